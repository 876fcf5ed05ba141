// A version personalized on this phone, as the Models tab shows it: how many samples, when, and the accuracy on
// held-out local samples (against the version's own head), with Drop (back to the version's own file).
import { h, percent } from '../../dom.ts';
import type { PersonalHeadInfo } from '../../device/learning/personal-heads.ts';
import { formatDate } from '../../device/model-sync.ts';

export function personalNote(info: PersonalHeadInfo, drop: () => void): HTMLElement {
  const accuracy = info.accuracy === undefined
    ? 'too few samples to hold any out'
    : `accuracy on ${info.heldOutSamples} held-out local samples ${percent(info.accuracy)} (the version’s own head: ${percent(info.baseAccuracy)})`;
  const button = h('button', { type: 'button', class: 'secondary small', testid: 'model-personal-drop-button' }, 'Drop');
  button.addEventListener('click', drop);
  return h('div', { class: 'privacy-note', testid: 'model-personalized', 'data-model-id': info.modelId },
    h('strong', {}, 'Personalized on this phone'),
    `: ${info.trainSamples} samples, ${formatDate(info.trainedAt)}, ${accuracy}. Runs ${info.trunkVariant} with this phone’s own last layer. `,
    button);
}
