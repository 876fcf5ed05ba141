// Audio prediction: the microphone runs continuously; every half clip the latest clip (at the device's rate)
// goes through @offgrid/features' preprocessAudio with the model's exact spec (resampleLinear → fitClip →
// logMelSpectrogram → the model's normalization), into the predictor's input buffer, through LiteRT.js, and the
// top-k are shown. Clips that arrive while a prediction runs are skipped, so results stay current.
import { preprocessAudio, spectrogramShape } from '@offgrid/features';
import type { AudioSpec } from '@offgrid/features';
import { errorMessage, h } from '../../dom.ts';
import type { ModalProject } from '../project-fields.ts';
import { ScoreView } from '../score-view.ts';
import type { LoadedModel, ModalityContext, MountPredict, PredictModule } from '../types.ts';
import { modelAudioSpec } from './audio-spec.ts';
import { LevelMeter } from './level-meter.ts';
import { openMicrophone } from './microphone.ts';
import type { Microphone } from './microphone.ts';
import { SampleRing } from './sample-ring.ts';
import { SlidingClips } from './sliding-clips.ts';
import { SpectrogramCanvas } from './spectrogram-canvas.ts';
import './audio.css';

interface Listening {
  microphone: Microphone;
  ring: SampleRing;
  clips: SlidingClips;
  clip: Float32Array;
}

export const mountAudioPredict: MountPredict = (panel: HTMLElement, _context: ModalityContext, _project: ModalProject): PredictModule => {
  let loaded: (LoadedModel & { spec: AudioSpec; frames: number; bands: number }) | undefined;
  let listening: Listening | undefined;
  let starting = false;
  /** False once stop was asked for (tab left, model replaced) while the microphone was still opening. */
  let wanted = false;
  let busy = false;
  let disposed = false;
  const scores = new ScoreView();
  const spectrogram = new SpectrogramCanvas('audio-spectrogram');
  let output: Float32Array = new Float32Array(0);

  const level = new LevelMeter('audio-predict-level');
  const listenButton = h('button', { type: 'button', class: 'primary', testid: 'audio-listen-button', disabled: true, 'aria-pressed': 'false' }, 'Start listening');
  const featureTime = h('span', { testid: 'audio-feature-ms' }, '—');
  const clipNote = h('p', { class: 'muted note-small', testid: 'audio-clip-note' }, 'Load a model to listen.');
  const status = h('p', { class: 'status', testid: 'audio-predict-status', role: 'status' });

  panel.replaceChildren(
    h('div', { class: 'actions' }, listenButton),
    scores.element,
    h('div', { class: 'audio-mic card' }, level.element, spectrogram.element, h('span', { class: 'muted note-small' }, 'Spectrogram: ', featureTime, ' on the phone')),
    clipNote,
    status,
  );

  async function predictClip(): Promise<void> {
    const state = listening;
    const model = loaded;
    if (!state || !model || busy) return;
    const start = state.clips.next(state.ring.total);
    if (start === undefined) return;
    busy = true;
    try {
      state.ring.read(start, state.clip);
      const started = performance.now();
      const features = preprocessAudio({ samples: state.clip, sampleRate: state.microphone.sampleRate }, model.spec);
      featureTime.textContent = `${(performance.now() - started).toFixed(1)} ms`;
      const { predictor } = model;
      if (features.length !== predictor.inputSize) throw new Error(`The spectrogram has ${features.length} values but the model takes ${predictor.inputSize}.`);
      predictor.inputBuffer.set(features);
      const result = await predictor.run(output);
      if (disposed || loaded !== model) return;
      output = result.output;
      scores.showScores(result.output, model.model.labels, result.latencyMs);
      scores.tick();
      spectrogram.draw(features, model.frames, model.bands);
      status.textContent = '';
    } catch (error) {
      status.textContent = `Listening stopped: ${errorMessage(error)}`;
      stopListening();
    } finally {
      busy = false;
    }
  }

  async function startListening(): Promise<void> {
    if (!loaded || listening || starting) return;
    starting = true;
    wanted = true;
    listenButton.disabled = true;
    try {
      const microphone = await openMicrophone((chunk) => {
        if (!listening) return;
        listening.ring.push(chunk);
        level.show(chunk);
        void predictClip();
      });
      if (disposed || !loaded || !wanted) return microphone.stop();
      const clipLength = Math.round(microphone.sampleRate * loaded.spec.clipSeconds);
      const hop = Math.max(1, Math.floor(clipLength / 2));
      listening = { microphone, ring: new SampleRing(clipLength + 2 * hop), clips: new SlidingClips(clipLength, hop), clip: new Float32Array(clipLength) };
      listenButton.textContent = 'Stop listening';
      listenButton.setAttribute('aria-pressed', 'true');
      scores.setLive(true);
      status.textContent = `Listening at ${microphone.sampleRate} Hz…`;
    } catch (error) {
      status.textContent = errorMessage(error);
    } finally {
      starting = false;
      listenButton.disabled = !loaded;
    }
  }

  function stopListening(): void {
    wanted = false;
    listening?.microphone.stop();
    listening = undefined;
    level.reset();
    scores.setLive(false);
    listenButton.textContent = 'Start listening';
    listenButton.setAttribute('aria-pressed', 'false');
  }

  listenButton.addEventListener('click', () => (listening ? stopListening() : void startListening()));

  return {
    setModel(model) {
      stopListening();
      try {
        const spec = modelAudioSpec(model.model);
        const [frames, bands] = spectrogramShape(spec);
        if (frames * bands !== model.predictor.inputSize) throw new Error(`Model v${model.model.version} takes ${model.predictor.inputSize} values, but its audio spec gives ${frames}×${bands}.`);
        loaded = { ...model, spec, frames, bands };
        output = new Float32Array(model.model.labels.length);
        listenButton.disabled = false;
        clipNote.textContent = `Every ${spec.clipSeconds / 2} s the last ${spec.clipSeconds} s of sound is classified (${frames}×${bands} log-mel at ${spec.sampleRate} Hz).`;
        status.textContent = '';
      } catch (error) {
        loaded = undefined;
        listenButton.disabled = true;
        status.textContent = `This model cannot listen: ${errorMessage(error)}`;
      }
    },
    hide: stopListening,
    dispose() {
      disposed = true;
      stopListening();
    },
  };
};
