// Audio capture: the microphone on (with a level meter), one record button per label. A tap records exactly the
// project's clip length from that moment, resamples it on the phone to the training rate (16 kHz), encodes a WAV
// and puts it in the outbox (IndexedDB first, then a gzipped upload as `audio/wav`). WAV files can be imported
// too (cut into clips). The capture panel around this view shows the outbox queue and the per-label counts.
import type { Dispose } from '../../context.ts';
import { errorMessage, h } from '../../dom.ts';
import type { ModalityContext, MountCapture } from '../types.ts';
import type { ModalProject } from '../project-fields.ts';
import { captureSpecOf, clipToWav } from './audio-spec.ts';
import { LevelMeter } from './level-meter.ts';
import { openMicrophone } from './microphone.ts';
import type { Microphone } from './microphone.ts';
import { SampleRing } from './sample-ring.ts';
import { clipsFromWav } from './wav-import.ts';
import './audio.css';

/** Resolves a waiting recording when the ring has reached `until` samples. */
interface PendingClip {
  start: number;
  until: number;
  resolve(samples: Float32Array): void;
  reject(error: Error): void;
}

export const mountAudioCapture: MountCapture = (panel: HTMLElement, context: ModalityContext, project: ModalProject): Dispose => {
  const { outbox, reachability } = context;
  const spec = captureSpecOf(project);
  let microphone: Microphone | undefined;
  let opening: Promise<Microphone> | undefined;
  let ring: SampleRing | undefined;
  let pending: PendingClip | undefined;
  let disposed = false;
  /** The Capture tab's panel: the microphone stays off while it is hidden. */
  const tab = panel.closest('[role="tabpanel"]');

  const level = new LevelMeter('audio-level');
  const micButton = h('button', { type: 'button', class: 'secondary', testid: 'audio-mic-button', 'aria-pressed': 'false' }, 'Turn on the microphone');
  const micStatus = h('p', { class: 'muted', testid: 'audio-mic-status', role: 'status' }, 'The microphone is off.');
  const progress = h('progress', { max: 1, value: 0, testid: 'audio-record-progress', hidden: true });
  const status = h(
    'p',
    { class: 'status', testid: 'audio-capture-status', role: 'status' },
    `Tap a label, then make the sound: each tap records ${spec.clipSeconds} s. Record at least 5 clips per label, in the places you will use it.`,
  );
  const buttons = project.labels.map((label) => {
    const button = h(
      'button',
      { type: 'button', class: 'capture-button', testid: `audio-record-button-${label}`, 'data-label': label },
      h('span', { class: 'capture-label' }, label),
      h('span', { class: 'muted' }, `● ${spec.clipSeconds} s`),
    );
    button.addEventListener('click', () => void record(label, button));
    return button;
  });

  // Existing recordings: each WAV file is cut into clips of the project's length, through the same outbox.
  const importLabel = h('select', { testid: 'audio-import-label-select', 'aria-label': 'Label for the imported recordings' }, ...project.labels.map((name) => h('option', { value: name }, name)));
  const importInput = h('input', { type: 'file', accept: 'audio/wav,audio/x-wav,audio/wave,.wav', multiple: true, class: 'visually-hidden', testid: 'audio-import-input' });
  const importStatus = h('p', { class: 'muted import-status', testid: 'audio-import-status', role: 'status' });
  const importer = h(
    'div',
    { class: 'import', testid: 'audio-import' },
    h('span', {}, 'Or import WAV recordings as'),
    h('div', { class: 'import-row' }, importLabel, h('label', { class: 'button secondary small', testid: 'audio-import-button' }, 'Choose files…', importInput)),
    importStatus,
  );
  importInput.addEventListener('change', async () => {
    const files = [...(importInput.files ?? [])];
    importInput.value = '';
    if (files.length === 0) return;
    const label = importLabel.value;
    importInput.disabled = true;
    const skipped: string[] = [];
    let added = 0;
    for (const [n, file] of files.entries()) {
      importStatus.textContent = `Importing ${n + 1} of ${files.length}…`;
      try {
        for (const wav of clipsFromWav(new Uint8Array(await file.arrayBuffer()), spec)) {
          await outbox.add({ projectId: project.id, label, data: wav, contentType: 'audio/wav' });
          added++;
        }
      } catch (error) {
        skipped.push(`${file.name} (${errorMessage(error)})`);
      }
    }
    importInput.disabled = false;
    importStatus.textContent =
      `Added ${added} clip${added === 1 ? '' : 's'} of ${spec.clipSeconds} s as “${label}”.` + (skipped.length > 0 ? ` Skipped: ${skipped.join(', ')}.` : '');
    importStatus.dataset.added = String(added);
  });

  function onChunk(samples: Float32Array): void {
    if (!ring) return;
    ring.push(samples);
    level.show(samples);
    if (pending && ring.total >= pending.until) {
      const { start, until, resolve } = pending;
      pending = undefined;
      resolve(ring.read(start, new Float32Array(until - start)));
    }
    if (pending) progress.value = (ring.total - pending.start) / (pending.until - pending.start);
  }

  function ensureMicrophone(): Promise<Microphone> {
    if (microphone) return Promise.resolve(microphone);
    opening ??= openMicrophone(onChunk)
      .then((opened) => {
        if (disposed || tab?.hasAttribute('hidden')) {
          opened.stop();
          throw new Error('the Capture tab was left.');
        }
        // Room for one clip and a second of slack while the page is busy.
        ring = new SampleRing(Math.ceil(opened.sampleRate * (spec.clipSeconds + 1)));
        microphone = opened;
        micButton.textContent = 'Turn off the microphone';
        micButton.setAttribute('aria-pressed', 'true');
        micStatus.textContent = `Microphone on (${opened.sampleRate} Hz; clips are saved at ${spec.sampleRate} Hz).`;
        micStatus.dataset.sampleRate = String(opened.sampleRate);
        return opened;
      })
      .finally(() => (opening = undefined));
    return opening;
  }

  function stopMicrophone(): void {
    microphone?.stop();
    microphone = undefined;
    ring = undefined;
    pending?.reject(new Error('the microphone was turned off.'));
    pending = undefined;
    level.reset();
    micButton.textContent = 'Turn on the microphone';
    micButton.setAttribute('aria-pressed', 'false');
    micStatus.textContent = 'The microphone is off.';
    delete micStatus.dataset.sampleRate;
  }

  micButton.addEventListener('click', () => {
    if (microphone) return stopMicrophone();
    ensureMicrophone().catch((error: unknown) => (micStatus.textContent = errorMessage(error)));
  });

  async function record(label: string, button: HTMLButtonElement): Promise<void> {
    if (pending) return;
    buttons.forEach((b) => (b.disabled = true));
    try {
      const mic = await ensureMicrophone();
      const clipLength = Math.round(mic.sampleRate * spec.clipSeconds);
      status.textContent = `Recording “${label}”…`;
      button.classList.add('recording');
      progress.hidden = false;
      progress.value = 0;
      const start = ring!.total;
      const samples = await new Promise<Float32Array>((resolve, reject) => (pending = { start, until: start + clipLength, resolve, reject }));
      const wav = clipToWav(samples, mic.sampleRate, spec);
      await outbox.add({ projectId: project.id, label, data: wav, contentType: 'audio/wav' });
      status.textContent = reachability.state === 'offline' ? `Saved a clip of “${label}” on the phone; it uploads when the server is back.` : `Saved a ${spec.clipSeconds} s clip of “${label}”.`;
      status.dataset.saved = String(Number(status.dataset.saved ?? 0) + 1);
    } catch (error) {
      status.textContent = `Could not record: ${errorMessage(error)}`;
    } finally {
      button.classList.remove('recording');
      progress.hidden = true;
      buttons.forEach((b) => (b.disabled = false));
    }
  }

  panel.replaceChildren(
    h('div', { class: 'audio-mic card' }, h('div', { class: 'actions' }, micButton), level.element, micStatus),
    h('div', { class: 'capture-grid', testid: 'audio-record-buttons' }, ...buttons),
    progress,
    status,
    importer,
  );

  // The microphone is private: it goes off as soon as the Capture tab is left, not only with the project.
  const tabWatcher = new MutationObserver(() => {
    if (tab?.hasAttribute('hidden') && microphone) stopMicrophone();
  });
  if (tab) tabWatcher.observe(tab, { attributes: true, attributeFilter: ['hidden'] });

  return () => {
    disposed = true;
    tabWatcher.disconnect();
    stopMicrophone();
  };
};
