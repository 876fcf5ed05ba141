// Data: review and fix what the project holds. Per label, a paged grid of samples (thumbnails for photos, the
// text for texts, a play button for clips, the values for rows, a small plot for motion recordings); select
// some → delete (with a few seconds to undo) or move to another label. Those edits go through the outbox like
// captures: shown at once, sent in order, kept across reloads and offline spells. Purge (erased everywhere, for
// privacy) and label or project changes need the workstation and say so. Labels: add, rename, remove (saying
// what happens to their samples). The project itself can be deleted with its data.
import { type EditSamplesRequest, type OutboxSnapshot, type Project, type Sample, isEditEntry } from '@offgrid/sdk';
import { describeApiError } from '../api-errors.ts';
import type { AppServices, Dispose } from '../context.ts';
import { errorMessage, h } from '../dom.ts';
import type { ModalProject } from '../modalities/project-fields.ts';
import { motionPlot } from './motion-plot.ts';

export interface DataPanelOptions extends AppServices {
  project: ModalProject;
  /** Labels or counts changed here: the other tabs show the new ones on their next visit. */
  onProjectChanged(project: Project): void;
  onProjectDeleted(): void;
}

export interface DataPanel {
  show(): void;
  dispose: Dispose;
}

const PAGE = 60;
/** The server's largest page. */
const MAX_PAGE = 1000;
export const UNDO_SECONDS = 6;

export function mountDataPanel(root: HTMLElement, { client, outbox, project: initial, onProjectChanged, onProjectDeleted }: DataPanelOptions): DataPanel {
  const controller = new AbortController();
  const signal = controller.signal;
  let project: Project = initial;
  let label = initial.labels[0];
  let samples: Sample[] = [];
  let nextAfter: string | undefined;
  let listFailed = false;
  const selected = new Set<string>();
  /** Every sample listed since the panel opened: an undone delete or a move here shows it before the server has it. */
  const known = new Map<string, Sample>();
  const cells = new Map<string, HTMLElement>();
  const objectUrls: string[] = [];

  /** What the last action did; the listing has its own line, so a refresh never hides it. */
  const status = h('p', { class: 'status', testid: 'data-status', role: 'status' });
  const listStatus = h('p', { class: 'status', testid: 'data-list-status' });
  const queueNote = h('p', { class: 'status', testid: 'data-queue', role: 'status', hidden: true });
  const dismissFailed = h('button', { type: 'button', class: 'secondary small', testid: 'data-queue-dismiss', hidden: true }, 'Dismiss');
  const labelBar = h('div', { class: 'data-labels', role: 'tablist', testid: 'data-labels' });
  const grid = h('ul', { class: 'data-grid', testid: 'data-grid' });
  const more = h('button', { type: 'button', class: 'secondary small', testid: 'data-more-button', hidden: true }, 'Show more');
  const selection = h('span', { testid: 'data-selection' });
  const deleteButton = h('button', { type: 'button', class: 'danger small', testid: 'data-delete-button' }, 'Delete');
  const moveTarget = h('select', { testid: 'data-move-select', 'aria-label': 'Move the selected samples to' });
  const moveButton = h('button', { type: 'button', class: 'secondary small', testid: 'data-move-button' }, 'Move');
  const purgeButton = h('button', { type: 'button', class: 'small', testid: 'data-purge-button' }, 'Erase everywhere…');
  const actions = h('div', { class: 'data-actions', testid: 'data-actions', hidden: true }, selection, deleteButton, moveTarget, moveButton, purgeButton);
  const undo = h('div', { class: 'toast-inline', testid: 'data-undo', role: 'status', hidden: true });
  const confirmArea = h('div', { testid: 'data-confirm' });
  const labelTools = labelEditor();
  const projectTools = projectDeleter();
  root.replaceChildren(
    h('div', { class: 'panel-header' }, h('h2', {}, 'Review data')),
    status, h('div', { class: 'model-row-actions' }, queueNote, dismissFailed), labelBar, actions, undo, confirmArea, listStatus, grid, more, labelTools, projectTools,
  );

  function setProject(next: Project): void {
    project = next;
    if (!project.labels.includes(label)) label = project.labels[0];
    onProjectChanged(project);
    renderLabels();
  }

  function renderLabels(): void {
    labelBar.replaceChildren(...project.labels.map((name) => {
      const button = h('button', { type: 'button', role: 'tab', class: 'label-chip', testid: 'data-label', 'data-label': name, 'aria-selected': String(name === label) },
        name, ' ', h('span', { class: 'count', testid: 'data-label-count' }, String(project.sampleCounts[name] ?? 0)));
      button.addEventListener('click', () => { label = name; clearSelection(); void load(); });
      return button;
    }));
    moveTarget.replaceChildren(...project.labels.filter((name) => name !== label).map((name) => h('option', { value: name }, `to ${name}`)));
  }

  async function load(): Promise<void> {
    renderLabels();
    samples = [];
    nextAfter = undefined;
    renderGrid();
    await loadMore();
  }

  /** Lists again what is loaded (after queued edits reached the server), keeping the previews already made. */
  async function refresh(): Promise<void> {
    const loaded = samples.length;
    samples = [];
    nextAfter = undefined;
    await loadMore(Math.min(MAX_PAGE, Math.max(PAGE, loaded)));
  }

  async function loadMore(limit = PAGE): Promise<void> {
    listStatus.textContent = 'Loading…';
    listFailed = false;
    try {
      const page = await client.listSamples(project.id, { label, limit, ...(nextAfter ? { after: nextAfter } : {}) }, { signal });
      samples.push(...page.samples);
      for (const sample of page.samples) known.set(sample.id, sample);
      nextAfter = page.nextAfter;
      more.hidden = !nextAfter;
      renderGrid();
    } catch (error) {
      listFailed = true;
      if (!signal.aborted) listStatus.textContent = `Could not list the samples: ${describeApiError(error)}`;
    }
    renderSelection();
  }

  /**
   * What the server listed, with this project's edits still in the outbox applied on top: a deleted or moved
   * sample leaves the grid at once (also after a reload, offline), an undone one comes back.
   */
  function renderGrid(): void {
    const fates = queuedFates();
    const visible = (sample: Sample, listed: boolean) => {
      const fate = fates.get(sample.id);
      if (!fate) return listed;
      if (fate.deleted) return false;
      return (fate.label ?? sample.label) === label && (listed || fate.deleted === false || fate.label === label);
    };
    const listedIds = new Set(samples.map((sample) => sample.id));
    const comingBack = [...fates.keys()].filter((id) => !listedIds.has(id)).map((id) => known.get(id)).filter((sample): sample is Sample => sample !== undefined && visible(sample, false));
    const shown = [...samples.filter((sample) => visible(sample, true)), ...comingBack];
    grid.replaceChildren(...shown.map((sample) => {
      let item = cells.get(sample.id);
      if (!item) cells.set(sample.id, (item = cell(sample)));
      return item;
    }));
    grid.dataset.count = String(shown.length);
    if (!listFailed) listStatus.textContent = shown.length === 0 && !nextAfter ? `No samples labelled “${label}”.` : '';
  }

  /** Sample id → where this project's queued edits leave it (deleted or not, and its label), in the order made. */
  function queuedFates(): Map<string, { deleted?: boolean; label?: string }> {
    const fates = new Map<string, { deleted?: boolean; label?: string }>();
    for (const entry of outbox.list()) {
      if (!isEditEntry(entry) || entry.projectId !== project.id || entry.state !== 'pending') continue;
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

  function cell(sample: Sample): HTMLElement {
    const item = h('li', { class: 'data-cell', testid: 'data-cell', 'data-sample-id': sample.id, role: 'checkbox', 'aria-checked': 'false', tabindex: '0' });
    item.append(preview(sample));
    const toggle = () => {
      if (selected.delete(sample.id)) item.setAttribute('aria-checked', 'false');
      else { selected.add(sample.id); item.setAttribute('aria-checked', 'true'); }
      renderSelection();
    };
    item.addEventListener('click', toggle);
    item.addEventListener('keydown', (event) => { if (event.key === ' ' || event.key === 'Enter') { event.preventDefault(); toggle(); } });
    return item;
  }

  /** What one sample looks like in the grid, by modality: fetched with the key, shown from memory. */
  function preview(sample: Sample): HTMLElement {
    const slot = h('div', { class: 'data-preview' });
    const show = async () => {
      if (sample.mediaType.startsWith('image/')) {
        const url = URL.createObjectURL(await client.sampleThumbnail(project.id, sample.id, { signal }));
        objectUrls.push(url);
        slot.replaceChildren(h('img', { src: url, alt: `${sample.label} sample`, width: 96, height: 96, testid: 'data-thumbnail' }));
      } else if (sample.mediaType.startsWith('audio/')) {
        const play = h('button', { type: 'button', class: 'secondary small', testid: 'data-play', 'aria-label': 'Play this clip' }, '▶');
        play.addEventListener('click', async (event) => {
          event.stopPropagation();
          const url = URL.createObjectURL(await client.sampleContent(project.id, sample.id, { signal }));
          objectUrls.push(url);
          new Audio(url).play().catch((error: unknown) => slot.append(h('span', { class: 'muted' }, ` cannot play: ${errorMessage(error)}`)));
        });
        slot.replaceChildren(play, h('span', { class: 'muted' }, `${sample.meta.durationSeconds?.toFixed(1) ?? '?'} s`));
      } else {
        const text = await (await client.sampleContent(project.id, sample.id, { signal })).text();
        slot.replaceChildren(motionPlot(text) ?? h('span', { class: 'data-text', testid: 'data-text' }, summary(sample, text)));
      }
    };
    show().catch(() => slot.replaceChildren(h('span', { class: 'muted' }, 'unavailable')));
    return slot;
  }

  function clearSelection(): void {
    for (const id of selected) cells.get(id)?.setAttribute('aria-checked', 'false');
    selected.clear();
  }

  function renderSelection(): void {
    actions.hidden = selected.size === 0;
    selection.textContent = `${selected.size} selected`;
    moveButton.disabled = moveTarget.options.length === 0;
  }

  /**
   * Queues an edit in the outbox (sent now when the workstation answers, later when it does not) and shows
   * its effect at once: the grid and the counts. The server's counts replace these once the queue is empty.
   */
  async function edit(action: EditSamplesRequest['action'], ids: string[], to?: string): Promise<void> {
    await outbox.addEdit(project.id, { sampleIds: ids, action, ...(to ? { label: to } : {}) });
    clearSelection();
    const counts = { ...project.sampleCounts };
    const shift = (name: string, by: number) => { counts[name] = Math.max(0, (counts[name] ?? 0) + by); };
    for (const id of ids) {
      const from = known.get(id)?.label ?? label;
      if (action === 'delete') shift(from, -1);
      else if (action === 'restore') shift(from, 1);
      else if (to) { shift(from, -1); shift(to, 1); }
    }
    setProject({ ...project, sampleCounts: counts });
    renderGrid();
    renderSelection();
  }

  let waitingBefore = 0;
  function showQueue(snapshot: OutboxSnapshot): void {
    const mine = outbox.list().filter((entry) => isEditEntry(entry) && entry.projectId === project.id);
    const waiting = mine.filter((entry) => entry.state === 'pending').length;
    const refused = mine.filter((entry) => entry.state === 'failed');
    const parts: string[] = [];
    if (waiting > 0) parts.push(`${waiting} change${waiting === 1 ? '' : 's'} waiting for the workstation${snapshot.pausedBy.length > 0 ? ` (paused: ${snapshot.pausedBy.join(', ')})` : ''}.`);
    if (refused.length > 0) parts.push(`${refused.length} change${refused.length === 1 ? ' was' : 's were'} refused: ${refused[0].lastError ?? 'unknown error'}`);
    queueNote.textContent = parts.join(' ');
    queueNote.hidden = parts.length === 0;
    queueNote.dataset.waiting = String(waiting);
    dismissFailed.hidden = refused.length === 0;
    // All sent (by this tab or another one): the server's counts and listing are the whole truth again.
    if (waitingBefore > 0 && waiting === 0) {
      void client.getProject(project.id, { signal }).then((fresh) => {
        setProject(fresh);
        return refresh();
      }, () => undefined);
    }
    waitingBefore = waiting;
  }
  dismissFailed.addEventListener('click', () => void outbox.discardFailed((entry) => isEditEntry(entry) && entry.projectId === project.id).then(refresh));
  const unsubscribe = outbox.subscribe((event) => {
    if (event.type === 'change') showQueue(event.snapshot);
  });
  showQueue(outbox.snapshot());

  let undoTimer: ReturnType<typeof setTimeout> | undefined;
  function offerUndo(ids: string[]): void {
    clearTimeout(undoTimer);
    const button = h('button', { type: 'button', class: 'secondary small', testid: 'data-undo-button' }, 'Undo');
    undo.replaceChildren(`Deleted ${ids.length} sample${ids.length === 1 ? '' : 's'}. `, button);
    undo.hidden = false;
    button.addEventListener('click', () => {
      clearTimeout(undoTimer);
      undo.hidden = true;
      void act(async () => {
        await edit('restore', ids);
        return `Restored ${ids.length}.`;
      });
    });
    undoTimer = setTimeout(() => { undo.hidden = true; }, UNDO_SECONDS * 1000);
  }

  async function act(action: () => Promise<string>): Promise<void> {
    status.textContent = 'Working…';
    try {
      status.textContent = await action();
    } catch (error) {
      if (!signal.aborted) status.textContent = `Failed: ${describeApiError(error)}`;
    }
  }

  deleteButton.addEventListener('click', () => void act(async () => {
    const ids = [...selected];
    await edit('delete', ids);
    offerUndo(ids);
    return '';
  }));
  moveButton.addEventListener('click', () => void act(async () => {
    const ids = [...selected];
    const to = moveTarget.value;
    await edit('relabel', ids, to);
    return `Moved ${ids.length} to “${to}”.`;
  }));
  purgeButton.addEventListener('click', () => {
    const ids = [...selected];
    confirm(`Erase ${ids.length} sample${ids.length === 1 ? '' : 's'} everywhere? They leave this project, every stored training snapshot and the workstation's disk. This cannot be undone; models trained on them stay until you retrain.`,
      'Erase', async () => {
        const result = await client.purgeSamples(project.id, ids, { signal });
        clearSelection();
        setProject(result.project);
        await load();
        return `Erased ${result.purged.length} everywhere${result.modelsMarked > 0 ? `; ${result.modelsMarked} model version${result.modelsMarked === 1 ? ' was' : 's were'} trained on them: retrain to forget them` : ''}.`;
      });
  });
  more.addEventListener('click', () => void loadMore());

  /** An inline confirmation that says what will happen; nothing happens until its button is tapped. */
  function confirm(text: string, verb: string, run: () => Promise<string>): void {
    const yes = h('button', { type: 'button', class: 'danger small', testid: 'data-confirm-button' }, verb);
    const no = h('button', { type: 'button', class: 'secondary small', testid: 'data-cancel-button' }, 'Cancel');
    confirmArea.replaceChildren(h('div', { class: 'confirm', role: 'alertdialog' }, h('p', { testid: 'data-confirm-text' }, text), h('div', { class: 'model-row-actions' }, yes, no)));
    no.addEventListener('click', () => confirmArea.replaceChildren());
    yes.addEventListener('click', () => {
      confirmArea.replaceChildren();
      void act(run);
    });
  }

  function labelEditor(): HTMLElement {
    const name = h('input', { type: 'text', testid: 'data-label-name', 'aria-label': 'Label name', placeholder: 'label', maxlength: 64 });
    const add = h('button', { type: 'button', class: 'secondary small', testid: 'data-label-add' }, 'Add label');
    const rename = h('button', { type: 'button', class: 'secondary small', testid: 'data-label-rename' }, 'Rename this label');
    const remove = h('button', { type: 'button', class: 'small', testid: 'data-label-remove' }, 'Remove this label…');
    add.addEventListener('click', () => void act(async () => {
      setProject(await client.addLabel(project.id, name.value, { signal }));
      return `Added “${name.value.trim()}”.`;
    }));
    rename.addEventListener('click', () => void act(async () => {
      const from = label;
      label = name.value.trim();
      setProject(await client.renameLabel(project.id, from, name.value, { signal }));
      await load();
      return `Renamed “${from}” to “${label}”; its samples moved with it.`;
    }));
    remove.addEventListener('click', () => {
      const gone = label;
      const count = project.sampleCounts[gone] ?? 0;
      const others = project.labels.filter((l) => l !== gone);
      const target = h('select', { testid: 'data-remove-target', 'aria-label': 'Move its samples to' }, ...others.map((other) => h('option', { value: other }, other)));
      const moveIt = async () => {
        setProject(await client.removeLabel(project.id, { label: gone, samples: 'move', to: target.value }, { signal }));
        await load();
        return `Removed “${gone}”; its ${count} samples are now “${target.value}”.`;
      };
      const dropIt = async () => {
        setProject(await client.removeLabel(project.id, { label: gone, samples: 'delete' }, { signal }));
        await load();
        return `Removed “${gone}” and deleted its ${count} samples.`;
      };
      const moveButton = h('button', { type: 'button', class: 'secondary small', testid: 'data-remove-move' }, 'Move them');
      const deleteButton = h('button', { type: 'button', class: 'danger small', testid: 'data-remove-delete' }, 'Delete them');
      const cancel = h('button', { type: 'button', class: 'secondary small', testid: 'data-cancel-button' }, 'Cancel');
      confirmArea.replaceChildren(h('div', { class: 'confirm', role: 'alertdialog' },
        h('p', { testid: 'data-confirm-text' }, `Remove the label “${gone}”? Its ${count} sample${count === 1 ? '' : 's'} must go somewhere: moved to another label, or deleted (they leave every count and future training).`),
        h('div', { class: 'model-row-actions' }, target, moveButton, deleteButton, cancel)));
      cancel.addEventListener('click', () => confirmArea.replaceChildren());
      moveButton.addEventListener('click', () => { confirmArea.replaceChildren(); void act(moveIt); });
      deleteButton.addEventListener('click', () => { confirmArea.replaceChildren(); void act(dropIt); });
    });
    return h('div', { class: 'data-tools', testid: 'data-label-tools' }, h('h3', {}, 'Labels'), name, h('div', { class: 'model-row-actions' }, add, rename, remove));
  }

  function projectDeleter(): HTMLElement {
    const button = h('button', { type: 'button', class: 'danger small', testid: 'data-project-delete' }, 'Delete this project…');
    button.addEventListener('click', () => {
      const total = Object.values(project.sampleCounts).reduce((a, b) => a + b, 0);
      confirm(`Delete “${project.name}” with its ${total} samples, its training jobs and every model version on the workstation? Models saved on this phone stay until you delete them. This cannot be undone.`,
        'Delete project', async () => {
          await client.deleteProject(project.id, { signal });
          onProjectDeleted();
          return 'Deleted.';
        });
    });
    return h('div', { class: 'data-tools' }, h('h3', {}, 'Project'), button);
  }

  function revokeUrls(): void {
    for (const url of objectUrls.splice(0)) URL.revokeObjectURL(url);
  }

  return {
    show: () => void client.getProject(project.id, { signal }).then((fresh) => { project = fresh; return load(); }, () => load()),
    dispose: () => {
      unsubscribe();
      controller.abort();
      clearTimeout(undoTimer);
      revokeUrls();
    },
  };
}

/** One line for a text or a table row. */
function summary(sample: Sample, content: string): string {
  if (sample.mediaType.startsWith('text/')) return content.length > 80 ? `${content.slice(0, 79)}…` : content;
  try {
    const json = JSON.parse(content) as { features?: number[] };
    if (json.features) return json.features.map((v) => Number(v.toPrecision(4))).join(', ');
  } catch {
    // not JSON: say what it is
  }
  return sample.mediaType;
}
