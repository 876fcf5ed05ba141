// Models: the project's versions (server list merged with what is saved on the phone), their metrics (float32 and
// int8 test accuracy, sizes, date) and training report (confusion matrix, per-class precision/recall, curves),
// download (sha256-verified, encrypted at rest), activate, delete, and how much storage the app uses.
// Two notions of "active": the version this phone predicts with (local), and the one the server considers
// active (`ModelVersion.active`), which the user can change (pin = rollback) or delete versions beside.
// State: models/models-state.ts; one row's view: models/model-row.ts.
import type { ModelVersion, Project } from '@offgrid/sdk';
import { OffgridApiError } from '@offgrid/sdk';
import { describeApiError } from '../api-errors.ts';
import type { AppServices, Dispose } from '../context.ts';
import { deleteStoredModel, getActiveModelId, listStoredModels, setActiveModelId } from '../device/model-store.ts';
import type { StoredModel } from '../device/model-store.ts';
import { downloadToPhone, formatBytes, useVariant } from '../device/model-sync.ts';
import { h } from '../dom.ts';
import { dropPersonalHead, listPersonalHeads } from '../device/learning/personal-heads.ts';
import { personalNote } from './models/personal-note.ts';
import { modelRow, type RowActions } from './models/model-row.ts';
import { ModelsState } from './models/models-state.ts';
import type { VariantPick } from './variant-view.ts';

export interface ModelsPanelOptions extends AppServices {
  project: Project;
  /** A saved model became the active one: the Predict tab loads it. */
  onActivate(modelId: string): void;
}

export interface ModelsPanel {
  dispose: Dispose;
  show(): void;
}

function modelsView() {
  const list = h('ul', { class: 'model-list', testid: 'model-list' });
  const status = h('p', { class: 'status', testid: 'models-status', role: 'status' });
  const storage = h('p', { class: 'muted', testid: 'models-storage' });
  const refreshButton = h('button', { type: 'button', class: 'secondary', testid: 'models-refresh-button' }, 'Refresh');
  const serverActive = h('p', { class: 'muted', testid: 'models-server-active', hidden: true });
  const unpinButton = h('button', { type: 'button', class: 'secondary', testid: 'models-unpin-button', hidden: true }, 'Unpin');
  const elements = [
    h('div', { class: 'panel-header' }, h('h2', {}, 'Model versions'), refreshButton),
    status,
    h('div', { class: 'server-active' }, serverActive, unpinButton),
    list,
    storage,
    h('p', { class: 'muted' }, 'Models are checked against the server’s SHA-256 when downloaded and kept encrypted on this phone.'),
  ];
  return { list, status, storage, refreshButton, serverActive, unpinButton, elements };
}

type ModelsView = ReturnType<typeof modelsView>;

function showServerActive(view: ModelsView, state: ModelsState): void {
  const active = state.serverActive;
  const pinned = state.serverProject.modelPinned;
  view.serverActive.hidden = !active;
  view.unpinButton.hidden = !active || !pinned;
  view.serverActive.dataset.pinned = String(!!active && pinned);
  if (!active) return;
  view.serverActive.textContent = pinned
    ? `The server uses v${active.version}, pinned: new training results will not replace it.`
    : `The server uses v${active.version}; the next training result takes over.`;
}

async function showStorage(view: ModelsView, signal: AbortSignal): Promise<void> {
  const estimate = await navigator.storage?.estimate?.().catch(() => undefined);
  if (!estimate || signal.aborted) return;
  view.storage.textContent = `Storage used by Offgrid on this phone: ${formatBytes(estimate.usage)} of ${formatBytes(estimate.quota)} available.`;
  view.storage.dataset.usage = String(estimate.usage ?? 0);
}

class ModelsPanelController {
  private readonly controller = new AbortController();
  private readonly state: ModelsState;
  private readonly view = modelsView();

  constructor(root: HTMLElement, private readonly options: ModelsPanelOptions) {
    this.state = new ModelsState(options.project);
    root.replaceChildren(...this.view.elements);
    this.view.refreshButton.addEventListener('click', () => void this.refresh(true));
    this.view.unpinButton.addEventListener('click', () => this.unpin());
  }

  private get signal(): AbortSignal {
    return this.controller.signal;
  }

  dispose(): void {
    this.controller.abort();
  }

  async refresh(fromServer: boolean): Promise<void> {
    if (fromServer) await this.readServer();
    await this.render();
  }

  private async readServer(): Promise<void> {
    const { client, project, reachability } = this.options;
    try {
      const [models, fresh] = await Promise.all([client.listModels(project.id, { signal: this.signal }), client.getProject(project.id, { signal: this.signal })]);
      this.state.serverModels = models;
      this.state.serverProject = fresh;
      this.view.status.textContent = '';
    } catch (error) {
      if (this.signal.aborted) return;
      if (error instanceof OffgridApiError && error.status === 0) {
        reachability.report(false);
        this.view.status.textContent = 'Server offline: showing the models saved on this phone.';
      } else this.view.status.textContent = `Could not list the server’s models: ${describeApiError(error)}`;
    }
  }

  private readonly render = async (): Promise<void> => {
    const projectId = this.options.project.id;
    const [saved, activeId, personal] = await Promise.all([listStoredModels(projectId), getActiveModelId(projectId), listPersonalHeads(projectId)]);
    if (this.signal.aborted) return;
    const rows = this.state.rows(saved, activeId);
    this.view.list.replaceChildren(...rows.map((row) => {
      const element = modelRow(row, this.actionsFor(row.model));
      const head = personal.find((info) => info.modelId === row.model.id);
      if (head) element.append(personalNote(head, () => this.dropPersonal(row.model)));
      return element;
    }));
    showServerActive(this.view, this.state);
    if (rows.length === 0 && !this.view.status.textContent) this.view.status.textContent = 'No models yet. Train one on the Train tab.';
    void showStorage(this.view, this.signal);
  };

  private actionsFor(model: ModelVersion): RowActions {
    const act = (action: () => Promise<string | undefined>) => void this.state.act(model, action, this.render);
    return {
      download: () => act(() => this.download(model)),
      activate: () => act(() => this.activate(model)),
      remove: () => act(async () => {
        await deleteStoredModel(model);
        await dropPersonalHead(model.id);
        return 'Deleted from this phone.';
      }),
      activateOnServer: () => act(() => this.activateOnServer(model)),
      askDelete: () => {
        this.state.confirmingDelete = model.id;
        this.state.rowStatus.clear();
        void this.render();
      },
      confirmDelete: () => {
        this.state.confirmingDelete = undefined;
        act(() => this.deleteOnServer(model));
      },
      cancelDelete: () => {
        this.state.confirmingDelete = undefined;
        void this.render();
      },
      toggleDetails: () => {
        if (this.state.openDetails.delete(model.id)) return void this.render();
        this.state.openDetails.add(model.id);
        void this.render();
        void this.loadReport(model);
      },
      pickVariant: (saved, pick) => act(() => this.pickVariant(saved, pick)),
    };
  }

  /** Fetches the version's report once; its view is kept, so a re-render keeps the chosen variant. */
  private async loadReport(model: ModelVersion): Promise<void> {
    if (!this.state.startReport(model.id)) return;
    try {
      this.state.finishReport(model, { report: await this.options.client.getModelReport(model.id, { signal: this.signal }) });
    } catch (error) {
      if (this.signal.aborted) return;
      this.state.finishReport(model, { error });
    }
    await this.render();
  }

  /** Back to the version's own head; Predict reloads it if it runs this version. */
  private dropPersonal(model: ModelVersion): void {
    void this.state.act(model, async () => {
      await dropPersonalHead(model.id);
      if ((await getActiveModelId(this.options.project.id)) === model.id) this.options.onActivate(model.id);
      return 'The personalized head was dropped; the version’s own head predicts again.';
    }, this.render);
  }

  private async download(model: ModelVersion): Promise<string> {
    this.state.rowStatus.set(model.id, 'Downloading…');
    const saved = await downloadToPhone(this.options.client, model, this.signal, (step) => {
      this.state.rowStatus.set(model.id, step);
      void this.render();
    });
    return `Downloaded and verified; measured here, keeps ${saved.variant} (${formatBytes(saved.sizeBytes)}) on ${saved.choice?.accelerator ?? 'wasm'}.`;
  }

  private async pickVariant(saved: StoredModel, pick: VariantPick): Promise<string> {
    await useVariant(this.options.client, saved, pick, this.signal);
    if ((await getActiveModelId(this.options.project.id)) === saved.model.id) this.options.onActivate(saved.model.id);
    return `Now runs ${pick.variant} on ${pick.accelerator} on this phone.`;
  }

  private async activate(model: ModelVersion): Promise<string> {
    await setActiveModelId(this.options.project.id, model.id);
    this.options.onActivate(model.id);
    return `v${model.version} is now used for prediction.`;
  }

  /** Pins this version as the server's active model (an older one = rollback); the list is re-read. */
  private async activateOnServer(model: ModelVersion): Promise<string> {
    this.state.serverProject = await this.options.client.activateModel(model.id, { pin: true }, { signal: this.signal });
    await this.refresh(true);
    return `v${model.version} is now the server’s active model (pinned).`;
  }

  private async deleteOnServer(model: ModelVersion): Promise<undefined> {
    await this.options.client.deleteModel(model.id, { signal: this.signal });
    await this.refresh(true);
    // Said above the list: the row itself goes away unless the phone keeps a copy.
    this.view.status.textContent = `v${model.version} was deleted from the server.`;
    return undefined;
  }

  private unpin(): void {
    const active = this.state.serverActive;
    if (!active) return;
    this.view.unpinButton.disabled = true;
    void this.options.client
      .activateModel(active.id, { pin: false }, { signal: this.signal })
      .then(() => this.refresh(true))
      .catch((error: unknown) => {
        if (!this.signal.aborted) this.view.status.textContent = `Could not unpin: ${describeApiError(error)}`;
      })
      .finally(() => {
        this.view.unpinButton.disabled = false;
      });
  }
}

export function mountModelsPanel(root: HTMLElement, options: ModelsPanelOptions): ModelsPanel {
  const panel = new ModelsPanelController(root, options);
  return {
    show: () => void panel.refresh(true),
    dispose: () => panel.dispose(),
  };
}
