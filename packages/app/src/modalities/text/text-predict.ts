// Text prediction: as the user types (debounced), the text is encoded with the model's own vocabulary by
// @offgrid/features' encodeText (the server's code), written into the predictor's int32 input buffer and run
// with LiteRT.js; the top-k update in place. Says how many words the vocabulary knows, since unknown words are
// all the same <UNKNOWN> token to the model.
import { errorMessage, h } from '../../dom.ts';
import type { ModalProject } from '../project-fields.ts';
import { ScoreView } from '../score-view.ts';
import type { LoadedModel, ModalityContext, MountPredict, PredictModule } from '../types.ts';
import { debounce } from './debounce.ts';
import { encodeForModel, modelTextSpec } from './text-model.ts';
import type { ModelTextSpec } from './text-model.ts';
import './text.css';

const TYPING_PAUSE_MS = 150;

export const mountTextPredict: MountPredict = (panel: HTMLElement, _context: ModalityContext, _project: ModalProject): PredictModule => {
  let loaded: (LoadedModel & { spec: ModelTextSpec }) | undefined;
  let running = false;
  let again = false;
  let disposed = false;
  let output: Float32Array = new Float32Array(0);
  const scores = new ScoreView();
  const input = h('textarea', { class: 'text-input', rows: 3, testid: 'text-predict-input', placeholder: 'Type a sentence to classify…', 'aria-label': 'Text to classify', disabled: true });
  const coverage = h('p', { class: 'muted note-small', testid: 'text-known-words' });
  const status = h('p', { class: 'status', testid: 'text-predict-status', role: 'status' }, 'Load a model to classify text.');

  async function predict(): Promise<void> {
    const model = loaded;
    if (!model || disposed) return;
    if (running) {
      again = true; // the newest text is predicted when this run ends
      return;
    }
    const text = input.value;
    if (text.trim() === '') {
      coverage.textContent = '';
      status.textContent = 'Type something to classify.';
      return;
    }
    running = true;
    try {
      const { ids, words, known } = encodeForModel(text, model.spec);
      const { predictor } = model;
      if (ids.length !== predictor.inputSize) throw new Error(`The model takes ${predictor.inputSize} token ids, its metadata says ${ids.length}.`);
      predictor.inputBuffer.set(ids);
      const result = await predictor.run(output);
      if (disposed || loaded !== model) return;
      output = result.output;
      scores.showScores(result.output, model.model.labels, result.latencyMs);
      coverage.textContent = `${known} of ${words} word${words === 1 ? '' : 's'} known to the model${words > model.spec.seqLength - 1 ? ` (only the first ${model.spec.seqLength - 1} are read)` : ''}.`;
      coverage.dataset.known = String(known);
      coverage.dataset.words = String(words);
      status.textContent = '';
    } catch (error) {
      status.textContent = `Prediction failed: ${errorMessage(error)}`;
    } finally {
      running = false;
      if (again) {
        again = false;
        void predict();
      }
    }
  }
  const predictSoon = debounce(() => void predict(), TYPING_PAUSE_MS);
  input.addEventListener('input', predictSoon);

  panel.replaceChildren(h('div', { class: 'text-entry card' }, input), scores.element, coverage, status);

  return {
    setModel(model) {
      try {
        loaded = { ...model, spec: modelTextSpec(model.model) };
        output = new Float32Array(model.model.labels.length);
        input.disabled = false;
        status.textContent = input.value.trim() === '' ? 'Type something to classify.' : '';
        void predict();
      } catch (error) {
        loaded = undefined;
        input.disabled = true;
        status.textContent = `This model cannot classify text: ${errorMessage(error)}`;
      }
    },
    hide() {
      predictSoon.cancel();
    },
    dispose() {
      disposed = true;
      predictSoon.cancel();
    },
  };
};
