// Data: review and fix what the project holds. Per label, a paged grid of samples (thumbnails for photos, the
// text for texts, a play button for clips, the values for rows, a small plot for motion recordings); select
// some → delete (with a few seconds to undo) or move to another label. Those edits go through the outbox like
// captures: shown at once, sent in order, kept across reloads and offline spells. Purge (erased everywhere, for
// privacy) and label or project changes need the workstation and say so. Labels: add, rename, remove (saying
// what happens to their samples). The project itself can be deleted with its data.
// The view: data/data-view.ts; previews: data/sample-preview.ts; the queued edits' effect: data/queued-edits.ts.
import { type EditSamplesRequest, type OutboxSnapshot, type Project, type Sample, isEditEntry } from '@offgrid/sdk';
import { describeApiError } from '../api-errors.ts';
import type { AppServices, Dispose } from '../context.ts';
import { h } from '../dom.ts';
import type { ModalProject } from '../modalities/project-fields.ts';
import { confirmIn, dataElements, dataView } from './data/data-view.ts';
import { showKeptSamples } from './data/kept-samples.ts';
import { queuedFates, visibleSamples } from './data/queued-edits.ts';
import { samplePreview } from './data/sample-preview.ts';

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

class DataPanelController {
  private readonly controller = new AbortController();
  private readonly view = dataView();
  private project: Project;
  private label: string;
  private samples: Sample[] = [];
  private nextAfter?: string;
  private listFailed = false;
  private readonly selected = new Set<string>();
  /** Every sample listed since the panel opened: an undone delete or a move here shows it before the server has it. */
  private readonly known = new Map<string, Sample>();
  private readonly cells = new Map<string, HTMLElement>();
  private readonly objectUrls: string[] = [];
  private waitingBefore = 0;
  private undoTimer?: ReturnType<typeof setTimeout>;
  private readonly unsubscribe: () => void;

  constructor(root: HTMLElement, private readonly options: DataPanelOptions) {
    this.project = options.project;
    this.label = options.project.labels[0];
    root.replaceChildren(...dataElements(this.view, this.labelTools(), this.projectTools()));
    const { view, outbox } = { view: this.view, outbox: options.outbox };
    view.dismissFailed.addEventListener('click', () => void outbox.discardFailed((entry) => isEditEntry(entry) && entry.projectId === this.project.id).then(() => this.refresh()));
    this.unsubscribe = outbox.subscribe((event) => {
      if (event.type === 'change') this.showQueue(event.snapshot);
    });
    this.showQueue(outbox.snapshot());
    view.deleteButton.addEventListener('click', () => void this.act(async () => {
      const ids = [...this.selected];
      await this.edit('delete', ids);
      this.offerUndo(ids);
      return '';
    }));
    view.moveButton.addEventListener('click', () => void this.act(async () => {
      const ids = [...this.selected];
      const to = view.moveTarget.value;
      await this.edit('relabel', ids, to);
      return `Moved ${ids.length} to “${to}”.`;
    }));
    view.purgeButton.addEventListener('click', () => this.confirmPurge());
    view.more.addEventListener('click', () => void this.loadMore());
  }

  private get signal(): AbortSignal {
    return this.controller.signal;
  }

  show(): void {
    void this.options.client.getProject(this.project.id, { signal: this.signal }).then((fresh) => {
      this.project = fresh;
      return this.load();
    }, () => this.load());
  }

  dispose(): void {
    this.unsubscribe();
    this.controller.abort();
    clearTimeout(this.undoTimer);
    for (const url of this.objectUrls.splice(0)) URL.revokeObjectURL(url);
  }

  private setProject(next: Project): void {
    this.project = next;
    if (!this.project.labels.includes(this.label)) this.label = this.project.labels[0];
    this.options.onProjectChanged(this.project);
    this.renderLabels();
  }

  private renderLabels(): void {
    const { project, label } = this;
    this.view.labelBar.replaceChildren(...project.labels.map((name) => {
      const button = h('button', { type: 'button', role: 'tab', class: 'label-chip', testid: 'data-label', 'data-label': name, 'aria-selected': String(name === label) },
        name, ' ', h('span', { class: 'count', testid: 'data-label-count' }, String(project.sampleCounts[name] ?? 0)));
      button.addEventListener('click', () => {
        this.label = name;
        this.clearSelection();
        void this.load();
      });
      return button;
    }));
    this.view.moveTarget.replaceChildren(...project.labels.filter((name) => name !== label).map((name) => h('option', { value: name }, `to ${name}`)));
  }

  private async load(): Promise<void> {
    this.renderLabels();
    if (this.project.samplesStayOnDevice) return showKeptSamples(this.view, this.project.id, this.label, () => void this.load());
    this.samples = [];
    this.nextAfter = undefined;
    this.renderGrid();
    await this.loadMore();
  }

  /** Lists again what is loaded (after queued edits reached the server), keeping the previews already made. */
  private async refresh(): Promise<void> {
    const loaded = this.samples.length;
    this.samples = [];
    this.nextAfter = undefined;
    await this.loadMore(Math.min(MAX_PAGE, Math.max(PAGE, loaded)));
  }

  private async loadMore(limit = PAGE): Promise<void> {
    const { view } = this;
    view.listStatus.textContent = 'Loading…';
    this.listFailed = false;
    try {
      const page = await this.options.client.listSamples(this.project.id, { label: this.label, limit, ...(this.nextAfter ? { after: this.nextAfter } : {}) }, { signal: this.signal });
      this.samples.push(...page.samples);
      for (const sample of page.samples) this.known.set(sample.id, sample);
      this.nextAfter = page.nextAfter;
      view.more.hidden = !this.nextAfter;
      this.renderGrid();
    } catch (error) {
      this.listFailed = true;
      if (!this.signal.aborted) view.listStatus.textContent = `Could not list the samples: ${describeApiError(error)}`;
    }
    this.renderSelection();
  }

  /**
   * What the server listed, with this project's edits still in the outbox applied on top: a deleted or moved
   * sample leaves the grid at once (also after a reload, offline), an undone one comes back.
   */
  private renderGrid(): void {
    const shown = visibleSamples(this.samples, queuedFates(this.options.outbox, this.project.id), this.known, this.label);
    this.view.grid.replaceChildren(...shown.map((sample) => {
      let item = this.cells.get(sample.id);
      if (!item) this.cells.set(sample.id, (item = this.cell(sample)));
      return item;
    }));
    this.view.grid.dataset.count = String(shown.length);
    if (!this.listFailed) this.view.listStatus.textContent = shown.length === 0 && !this.nextAfter ? `No samples labelled “${this.label}”.` : '';
  }

  private cell(sample: Sample): HTMLElement {
    const item = h('li', { class: 'data-cell', testid: 'data-cell', 'data-sample-id': sample.id, role: 'checkbox', 'aria-checked': 'false', tabindex: '0' });
    item.append(samplePreview(sample, { client: this.options.client, projectId: this.project.id, signal: this.signal, objectUrls: this.objectUrls }));
    const toggle = () => {
      if (this.selected.delete(sample.id)) item.setAttribute('aria-checked', 'false');
      else {
        this.selected.add(sample.id);
        item.setAttribute('aria-checked', 'true');
      }
      this.renderSelection();
    };
    item.addEventListener('click', toggle);
    item.addEventListener('keydown', (event) => {
      if (event.key === ' ' || event.key === 'Enter') {
        event.preventDefault();
        toggle();
      }
    });
    return item;
  }

  private clearSelection(): void {
    for (const id of this.selected) this.cells.get(id)?.setAttribute('aria-checked', 'false');
    this.selected.clear();
  }

  private renderSelection(): void {
    this.view.actions.hidden = this.selected.size === 0;
    this.view.selection.textContent = `${this.selected.size} selected`;
    this.view.moveButton.disabled = this.view.moveTarget.options.length === 0;
  }

  /**
   * Queues an edit in the outbox (sent now when the workstation answers, later when it does not) and shows
   * its effect at once: the grid and the counts. The server's counts replace these once the queue is empty.
   */
  private async edit(action: EditSamplesRequest['action'], ids: string[], to?: string): Promise<void> {
    await this.options.outbox.addEdit(this.project.id, { sampleIds: ids, action, ...(to ? { label: to } : {}) });
    this.clearSelection();
    const counts = { ...this.project.sampleCounts };
    const shift = (name: string, by: number) => {
      counts[name] = Math.max(0, (counts[name] ?? 0) + by);
    };
    for (const id of ids) {
      const from = this.known.get(id)?.label ?? this.label;
      if (action === 'delete') shift(from, -1);
      else if (action === 'restore') shift(from, 1);
      else if (to) {
        shift(from, -1);
        shift(to, 1);
      }
    }
    this.setProject({ ...this.project, sampleCounts: counts });
    this.renderGrid();
    this.renderSelection();
  }

  private showQueue(snapshot: OutboxSnapshot): void {
    const { view } = this;
    const mine = this.options.outbox.list().filter((entry) => isEditEntry(entry) && entry.projectId === this.project.id);
    const waiting = mine.filter((entry) => entry.state === 'pending').length;
    const refused = mine.filter((entry) => entry.state === 'failed');
    const parts: string[] = [];
    if (waiting > 0) parts.push(`${waiting} change${waiting === 1 ? '' : 's'} waiting for the workstation${snapshot.pausedBy.length > 0 ? ` (paused: ${snapshot.pausedBy.join(', ')})` : ''}.`);
    if (refused.length > 0) parts.push(`${refused.length} change${refused.length === 1 ? ' was' : 's were'} refused: ${refused[0].lastError ?? 'unknown error'}`);
    view.queueNote.textContent = parts.join(' ');
    view.queueNote.hidden = parts.length === 0;
    view.queueNote.dataset.waiting = String(waiting);
    view.dismissFailed.hidden = refused.length === 0;
    // All sent (by this tab or another one): the server's counts and listing are the whole truth again.
    if (this.waitingBefore > 0 && waiting === 0) {
      void this.options.client.getProject(this.project.id, { signal: this.signal }).then((fresh) => {
        this.setProject(fresh);
        return this.refresh();
      }, () => undefined);
    }
    this.waitingBefore = waiting;
  }

  private offerUndo(ids: string[]): void {
    const undo = this.view.undo;
    clearTimeout(this.undoTimer);
    const button = h('button', { type: 'button', class: 'secondary small', testid: 'data-undo-button' }, 'Undo');
    undo.replaceChildren(`Deleted ${ids.length} sample${ids.length === 1 ? '' : 's'}. `, button);
    undo.hidden = false;
    button.addEventListener('click', () => {
      clearTimeout(this.undoTimer);
      undo.hidden = true;
      void this.act(async () => {
        await this.edit('restore', ids);
        return `Restored ${ids.length}.`;
      });
    });
    this.undoTimer = setTimeout(() => {
      undo.hidden = true;
    }, UNDO_SECONDS * 1000);
  }

  private async act(action: () => Promise<string>): Promise<void> {
    this.view.status.textContent = 'Working…';
    try {
      this.view.status.textContent = await action();
    } catch (error) {
      if (!this.signal.aborted) this.view.status.textContent = `Failed: ${describeApiError(error)}`;
    }
  }

  private confirm(text: string, verb: string, run: () => Promise<string>): void {
    confirmIn(this.view.confirmArea, text, verb, () => void this.act(run));
  }

  private confirmPurge(): void {
    const ids = [...this.selected];
    this.confirm(`Erase ${ids.length} sample${ids.length === 1 ? '' : 's'} everywhere? They leave this project, every stored training snapshot and the workstation's disk. This cannot be undone; models trained on them stay until you retrain.`,
      'Erase', async () => {
        const result = await this.options.client.purgeSamples(this.project.id, ids, { signal: this.signal });
        this.clearSelection();
        this.setProject(result.project);
        await this.load();
        return `Erased ${result.purged.length} everywhere${result.modelsMarked > 0 ? `; ${result.modelsMarked} model version${result.modelsMarked === 1 ? ' was' : 's were'} trained on them: retrain to forget them` : ''}.`;
      });
  }

  private labelTools(): HTMLElement {
    const { client } = this.options;
    const name = h('input', { type: 'text', testid: 'data-label-name', 'aria-label': 'Label name', placeholder: 'label', maxlength: 64 });
    const add = h('button', { type: 'button', class: 'secondary small', testid: 'data-label-add' }, 'Add label');
    const rename = h('button', { type: 'button', class: 'secondary small', testid: 'data-label-rename' }, 'Rename this label');
    const remove = h('button', { type: 'button', class: 'small', testid: 'data-label-remove' }, 'Remove this label…');
    add.addEventListener('click', () => void this.act(async () => {
      this.setProject(await client.addLabel(this.project.id, name.value, { signal: this.signal }));
      return `Added “${name.value.trim()}”.`;
    }));
    rename.addEventListener('click', () => void this.act(async () => {
      const from = this.label;
      this.label = name.value.trim();
      this.setProject(await client.renameLabel(this.project.id, from, name.value, { signal: this.signal }));
      await this.load();
      return `Renamed “${from}” to “${this.label}”; its samples moved with it.`;
    }));
    remove.addEventListener('click', () => this.confirmRemoveLabel());
    return h('div', { class: 'data-tools', testid: 'data-label-tools' }, h('h3', {}, 'Labels'), name, h('div', { class: 'model-row-actions' }, add, rename, remove));
  }

  /** Removing a label says where its samples go: moved to a label picked here, or deleted. */
  private confirmRemoveLabel(): void {
    const { client } = this.options;
    const area = this.view.confirmArea;
    const gone = this.label;
    const count = this.project.sampleCounts[gone] ?? 0;
    const others = this.project.labels.filter((l) => l !== gone);
    const target = h('select', { testid: 'data-remove-target', 'aria-label': 'Move its samples to' }, ...others.map((other) => h('option', { value: other }, other)));
    const moveIt = async () => {
      this.setProject(await client.removeLabel(this.project.id, { label: gone, samples: 'move', to: target.value }, { signal: this.signal }));
      await this.load();
      return `Removed “${gone}”; its ${count} samples are now “${target.value}”.`;
    };
    const dropIt = async () => {
      this.setProject(await client.removeLabel(this.project.id, { label: gone, samples: 'delete' }, { signal: this.signal }));
      await this.load();
      return `Removed “${gone}” and deleted its ${count} samples.`;
    };
    const moveButton = h('button', { type: 'button', class: 'secondary small', testid: 'data-remove-move' }, 'Move them');
    const deleteButton = h('button', { type: 'button', class: 'danger small', testid: 'data-remove-delete' }, 'Delete them');
    const cancel = h('button', { type: 'button', class: 'secondary small', testid: 'data-cancel-button' }, 'Cancel');
    area.replaceChildren(h('div', { class: 'confirm', role: 'alertdialog' },
      h('p', { testid: 'data-confirm-text' }, `Remove the label “${gone}”? Its ${count} sample${count === 1 ? '' : 's'} must go somewhere: moved to another label, or deleted (they leave every count and future training).`),
      h('div', { class: 'model-row-actions' }, target, moveButton, deleteButton, cancel)));
    cancel.addEventListener('click', () => area.replaceChildren());
    moveButton.addEventListener('click', () => {
      area.replaceChildren();
      void this.act(moveIt);
    });
    deleteButton.addEventListener('click', () => {
      area.replaceChildren();
      void this.act(dropIt);
    });
  }

  private projectTools(): HTMLElement {
    const button = h('button', { type: 'button', class: 'danger small', testid: 'data-project-delete' }, 'Delete this project…');
    button.addEventListener('click', () => {
      const total = Object.values(this.project.sampleCounts).reduce((a, b) => a + b, 0);
      this.confirm(`Delete “${this.project.name}” with its ${total} samples, its training jobs and every model version on the workstation? Models saved on this phone stay until you delete them. This cannot be undone.`,
        'Delete project', async () => {
          await this.options.client.deleteProject(this.project.id, { signal: this.signal });
          this.options.onProjectDeleted();
          return 'Deleted.';
        });
    });
    return h('div', { class: 'data-tools' }, h('h3', {}, 'Project'), button);
  }
}

export function mountDataPanel(root: HTMLElement, options: DataPanelOptions): DataPanel {
  const panel = new DataPanelController(root, options);
  return { show: () => panel.show(), dispose: () => panel.dispose() };
}
