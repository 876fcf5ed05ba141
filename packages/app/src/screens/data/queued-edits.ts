// The Data tab's view of edits still in the outbox: where they leave each sample, so the grid shows their effect
// at once (also after a reload, offline) and an undone delete comes back.
import { type Sample, isEditEntry } from '@offgrid/sdk';
import type { SampleQueue } from '../../context.ts';

export type Fate = { deleted?: boolean; label?: string };

/** Sample id → where this project's queued edits leave it (deleted or not, and its label), in the order made. */
export function queuedFates(outbox: SampleQueue, projectId: string): Map<string, Fate> {
  const fates = new Map<string, Fate>();
  for (const entry of outbox.list()) {
    if (!isEditEntry(entry) || entry.projectId !== projectId || entry.state !== 'pending') continue;
    for (const id of entry.edit.sampleIds) {
      const fate = fates.get(id) ?? {};
      if (entry.edit.action === 'delete') fate.deleted = true;
      else if (entry.edit.action === 'restore') fate.deleted = false;
      else fate.label = entry.edit.label;
      fates.set(id, fate);
    }
  }
  return fates;
}

/** What the server listed for `label`, with the queued edits applied on top, and samples they bring back. */
export function visibleSamples(listed: readonly Sample[], fates: Map<string, Fate>, known: Map<string, Sample>, label: string): Sample[] {
  const visible = (sample: Sample, wasListed: boolean) => {
    const fate = fates.get(sample.id);
    if (!fate) return wasListed;
    if (fate.deleted) return false;
    return (fate.label ?? sample.label) === label && (wasListed || fate.deleted === false || fate.label === label);
  };
  const listedIds = new Set(listed.map((sample) => sample.id));
  const comingBack = [...fates.keys()]
    .filter((id) => !listedIds.has(id))
    .map((id) => known.get(id))
    .filter((sample): sample is Sample => sample !== undefined && visible(sample, false));
  return [...listed.filter((sample) => visible(sample, true)), ...comingBack];
}
