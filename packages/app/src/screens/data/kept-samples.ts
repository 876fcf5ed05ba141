// The Data tab of a privacy-mode project: the server holds no sample to list, so the tab shows how many samples
// of each label this phone keeps (encrypted, device/local-samples.ts) and lets the user erase a label's kept ones.
import { h } from '../../dom.ts';
import { countLocalSamples, deleteLocalSamples, listLocalSamples } from '../../device/local-samples.ts';
import { PRIVACY_NOTE } from '../../device/phone-only-outbox.ts';
import { confirmIn, type DataView } from './data-view.ts';

export async function showKeptSamples(view: DataView, projectId: string, label: string, again: () => void): Promise<void> {
  const counts = await countLocalSamples(projectId);
  for (const count of view.labelBar.querySelectorAll<HTMLElement>('[data-testid="data-label-count"]')) {
    count.textContent = String(counts[count.parentElement?.dataset.label ?? ''] ?? 0);
  }
  view.grid.replaceChildren();
  view.more.hidden = true;
  const kept = counts[label] ?? 0;
  const erase = h('button', { type: 'button', class: 'small', testid: 'data-kept-erase-button', hidden: kept === 0 }, `Erase these ${kept} from this phone…`);
  erase.addEventListener('click', () => confirmIn(view.confirmArea, `Erase the ${kept} “${label}” samples kept on this phone? This cannot be undone.`, 'Erase', () => {
    void listLocalSamples(projectId)
      .then((samples) => deleteLocalSamples(projectId, samples.filter((s) => s.label === label).map((s) => s.id)))
      .then((erased) => { view.status.textContent = `Erased ${erased} from this phone.`; again(); })
      .catch((error: unknown) => { view.status.textContent = `Could not erase: ${String(error)}`; });
  }));
  view.listStatus.replaceChildren(h('span', { testid: 'data-kept' }, `${kept} “${label}” sample${kept === 1 ? '' : 's'} kept on this phone. ${PRIVACY_NOTE}`), ' ', erase);
}
