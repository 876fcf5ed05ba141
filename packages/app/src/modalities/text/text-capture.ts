// Text capture: type (or paste) an example, tap its label to save it. Each sample goes to the outbox as UTF-8
// `text/plain` (IndexedDB first, then a gzipped upload); the text box clears for the next one. The capture
// panel around this view shows the outbox queue and the per-label counts.
import type { Dispose } from '../../context.ts';
import { errorMessage, h } from '../../dom.ts';
import type { ModalProject } from '../project-fields.ts';
import type { ModalityContext, MountCapture } from '../types.ts';
import { MAX_TEXT_CHARACTERS, TEXT_CONTENT_TYPE, characterCount, textSampleBytes } from './text-sample.ts';
import './text.css';

export const mountTextCapture: MountCapture = (panel: HTMLElement, context: ModalityContext, project: ModalProject): Dispose => {
  const { outbox, reachability } = context;
  const input = h('textarea', { class: 'text-input', rows: 4, testid: 'text-sample-input', placeholder: 'Type or paste one example…', 'aria-label': 'Example text' });
  const counter = h('span', { class: 'muted text-counter', testid: 'text-sample-chars' }, `0 / ${MAX_TEXT_CHARACTERS}`);
  const status = h('p', { class: 'status', testid: 'text-capture-status', role: 'status' }, 'Type an example, then tap its label. Add at least 5 per label, worded differently.');
  const chips = project.labels.map((label) => {
    const chip = h('button', { type: 'button', class: 'chip-button', testid: `text-label-button-${label}`, 'data-label': label, disabled: true }, label);
    chip.addEventListener('click', () => void save(label));
    return chip;
  });

  const update = () => {
    const characters = characterCount(input.value.trim());
    counter.textContent = `${characters} / ${MAX_TEXT_CHARACTERS}`;
    counter.classList.toggle('over', characters > MAX_TEXT_CHARACTERS);
    chips.forEach((chip) => (chip.disabled = characters === 0));
  };
  input.addEventListener('input', update);

  async function save(label: string): Promise<void> {
    try {
      const data = textSampleBytes(input.value);
      chips.forEach((chip) => (chip.disabled = true));
      await outbox.add({ projectId: project.id, label, data, contentType: TEXT_CONTENT_TYPE });
      input.value = '';
      status.textContent = reachability.state === 'offline' ? `Saved as “${label}” on the phone; it uploads when the server is back.` : `Saved as “${label}”.`;
      status.dataset.saved = String(Number(status.dataset.saved ?? 0) + 1);
      input.focus();
    } catch (error) {
      status.textContent = `Not saved: ${errorMessage(error)}`;
    } finally {
      update();
    }
  }

  panel.replaceChildren(
    h('div', { class: 'text-entry card' }, input, counter, h('span', { class: 'muted' }, 'Save as'), h('div', { class: 'chips', testid: 'text-label-chips' }, ...chips)),
    status,
  );
  return () => {};
};
