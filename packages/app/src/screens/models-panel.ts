// Models: the project's versions (server list merged with what is saved on the phone), their metrics (float32 and
// int8 test accuracy, sizes, date) and training report (confusion matrix, per-class precision/recall, curves),
// download (sha256-verified, encrypted at rest), activate, delete, and how much storage the app uses.
// Two notions of "active": the version this phone predicts with (local), and the one the server considers
// active (`ModelVersion.active`), which the user can change (pin = rollback) or delete versions beside.
import type { ModelVersion, Project } from '@offgrid/sdk';
import { OffgridApiError, OffgridChecksumError } from '@offgrid/sdk';
import { describeApiError } from '../api-errors.ts';
import type { AppServices, Dispose } from '../context.ts';
import { h, percent } from '../dom.ts';
import { deleteStoredModel, getActiveModelId, listStoredModels, setActiveModelId } from '../device/model-store.ts';
import type { StoredModel } from '../device/model-store.ts';
import { downloadToPhone, formatBytes, formatDate, useVariant } from '../device/model-sync.ts';
import { variantView, type VariantPick } from './variant-view.ts';
import { reportView } from '../training/report-view.ts';
import { accuracyOf, roughNote } from '../training/sample-counts.ts';

export interface ModelsPanelOptions extends AppServices {
  project: Project;
  /** A saved model became the active one: the Predict tab loads it. */
  onActivate(modelId: string): void;
}

export interface ModelsPanel {
  dispose: Dispose;
  show(): void;
}

export function mountModelsPanel(root: HTMLElement, { client, project, reachability, onActivate }: ModelsPanelOptions): ModelsPanel {
  const controller = new AbortController();
  const list = h('ul', { class: 'model-list', testid: 'model-list' });
  const status = h('p', { class: 'status', testid: 'models-status', role: 'status' });
  const storage = h('p', { class: 'muted', testid: 'models-storage' });
  const refreshButton = h('button', { type: 'button', class: 'secondary', testid: 'models-refresh-button' }, 'Refresh');
  const serverActive = h('p', { class: 'muted', testid: 'models-server-active', hidden: true });
  const unpinButton = h('button', { type: 'button', class: 'secondary', testid: 'models-unpin-button', hidden: true }, 'Unpin');
  root.replaceChildren(
    h('div', { class: 'panel-header' }, h('h2', {}, 'Model versions'), refreshButton),
    status,
    h('div', { class: 'server-active' }, serverActive, unpinButton),
    list,
    storage,
    h('p', { class: 'muted' }, 'Models are checked against the server’s SHA-256 when downloaded and kept encrypted on this phone.'),
  );

  let serverModels: ModelVersion[] | undefined;
  let serverProject: Project = project;
  const rowStatus = new Map<string, string>();
  const working = new Set<string>();
  /** The row whose "Delete from server" waits for confirmation. */
  let confirmingDelete: string | undefined;
  /** Rows whose details (the training report) are open, and each report's view once loaded (kept across renders). */
  const openDetails = new Set<string>();
  const reportViews = new Map<string, HTMLElement>();
  const reportErrors = new Map<string, string>();
  const reportsLoading = new Set<string>();

  async function refresh(fromServer: boolean): Promise<void> {
    if (fromServer) {
      try {
        const [models, fresh] = await Promise.all([
          client.listModels(project.id, { signal: controller.signal }),
          client.getProject(project.id, { signal: controller.signal }),
        ]);
        serverModels = models;
        serverProject = fresh;
        status.textContent = '';
      } catch (error) {
        if (controller.signal.aborted) return;
        if (error instanceof OffgridApiError && error.status === 0) {
          reachability.report(false);
          status.textContent = 'Server offline: showing the models saved on this phone.';
        } else status.textContent = `Could not list the server’s models: ${describeApiError(error)}`;
      }
    }
    await render();
  }

  async function render(): Promise<void> {
    const [saved, activeId] = await Promise.all([listStoredModels(project.id), getActiveModelId(project.id)]);
    if (controller.signal.aborted) return;
    const savedById = new Map(saved.map((s) => [s.model.id, s]));
    const models = new Map<string, ModelVersion>();
    for (const model of serverModels ?? []) models.set(model.id, model);
    for (const s of saved) if (!models.has(s.model.id)) models.set(s.model.id, s.model);
    const ordered = [...models.values()].sort((a, b) => b.version - a.version);
    const onServer = new Set((serverModels ?? []).map((m) => m.id));
    list.replaceChildren(...ordered.map((model) => modelRow(model, savedById.get(model.id), model.id === activeId, onServer.has(model.id))));
    showServerActive();
    if (ordered.length === 0 && !status.textContent) status.textContent = 'No models yet. Train one on the Train tab.';
    void showStorage();
  }

  function showServerActive(): void {
    const active = serverModels?.find((m) => m.active);
    serverActive.hidden = !active;
    unpinButton.hidden = !active || !serverProject.modelPinned;
    serverActive.dataset.pinned = String(!!active && serverProject.modelPinned);
    if (!active) return;
    serverActive.textContent = serverProject.modelPinned
      ? `The server uses v${active.version}, pinned: new training results will not replace it.`
      : `The server uses v${active.version}; the next training result takes over.`;
  }

  function modelRow(model: ModelVersion, saved: StoredModel | undefined, active: boolean, onServer: boolean): HTMLElement {
    const artifact = model.artifacts.find((a) => a.variant === 'float32');
    const busy = working.has(model.id);
    // A saved copy's `active` is from when it was downloaded: only the server's list says what is active now.
    const serverActiveRow = onServer && model.active;
    const download = h('button', { type: 'button', class: 'secondary', testid: 'model-download-button', disabled: busy || undefined }, 'Download');
    const activate = h('button', { type: 'button', class: 'secondary', testid: 'model-activate-button', disabled: busy || undefined, 'aria-label': `Predict with v${model.version} on this phone` }, 'Use on phone');
    const remove = h('button', { type: 'button', testid: 'model-delete-button', disabled: busy || undefined, 'aria-label': `Delete v${model.version} from this phone` }, 'Delete from phone');
    const serverActivate = h('button', { type: 'button', class: 'secondary', testid: 'model-server-activate-button', disabled: busy || undefined, 'aria-label': `Make v${model.version} the server’s active model (pinned)` }, 'Make active on server');
    const serverDelete = h('button', { type: 'button', class: 'danger', testid: 'model-server-delete-button', disabled: busy || undefined, 'aria-label': `Delete v${model.version} from the server` }, 'Delete from server');
    download.addEventListener('click', () => void act(model, () => downloadModel(model)));
    activate.addEventListener('click', () => void act(model, () => activateModel(model)));
    remove.addEventListener('click', () => void act(model, () => deleteModel(model)));
    serverActivate.addEventListener('click', () => void act(model, () => activateOnServer(model)));
    serverDelete.addEventListener('click', () => {
      confirmingDelete = model.id;
      rowStatus.clear();
      void render();
    });
    const confirming = confirmingDelete === model.id && onServer && !serverActiveRow;
    const confirmation = confirming
      ? h(
          'div',
          { class: 'confirm', testid: 'model-server-delete-confirmation', role: 'alertdialog', 'aria-label': `Delete v${model.version} from the server?` },
          h('p', {}, `Delete v${model.version} and its files from the server? This cannot be undone.${saved ? ' The copy on this phone stays.' : ''}`),
          h('div', { class: 'model-row-actions' }, confirmButton(model), cancelButton()),
        )
      : null;
    const message = rowStatus.get(model.id);
    const detailsOpen = openDetails.has(model.id);
    const details = h('button', { type: 'button', class: 'secondary', testid: 'model-details-button', 'aria-expanded': String(detailsOpen), 'aria-label': `${detailsOpen ? 'Hide' : 'Show'} the training report of v${model.version}` }, detailsOpen ? 'Hide details' : 'Details');
    details.addEventListener('click', () => {
      if (openDetails.delete(model.id)) return void render();
      openDetails.add(model.id);
      void render();
      void loadReport(model);
    });
    const { test, sizes } = model.metrics;
    return h(
      'li',
      {
        class: `model-row${active ? ' active' : ''}`,
        testid: 'model-row',
        'data-model-id': model.id,
        'data-version': model.version,
        'data-saved': String(!!saved),
        'data-active': String(active),
        'data-on-server': String(onServer),
        'data-server-active': String(serverActiveRow),
      },
      h(
        'div',
        { class: 'model-row-head' },
        h('strong', { testid: 'model-version' }, `v${model.version}`),
        saved ? h('span', { class: 'badge', testid: 'model-badge-saved' }, `On phone · ${saved.variant}`) : null,
        active ? h('span', { class: 'badge active', testid: 'model-badge-active', title: 'The version Predict uses on this phone' }, 'Predicts here') : null,
        serverActiveRow ? h('span', { class: 'badge server', testid: 'model-badge-server-active' }, serverProject.modelPinned ? 'Server’s choice · pinned' : 'Server’s choice') : null,
        onServer ? null : h('span', { class: 'badge', testid: 'model-badge-phone-only' }, 'Only on phone'),
      ),
      h(
        'dl',
        { class: 'model-metrics' },
        h('dt', {}, 'Test accuracy'),
        h(
          'dd',
          { class: 'model-tests', testid: 'model-test-accuracy' },
          ...(test
            ? [h('span', { testid: 'model-test-float32' }, `float32 ${percent(test.float32.accuracy)}`), ' · ', h('span', { testid: 'model-test-int8' }, `int8 ${percent(test.int8.accuracy)}`), ` · ${test.samples} test samples`]
            : ['—']),
        ),
        h('dt', {}, 'Val accuracy'), h('dd', { testid: 'model-val-accuracy' }, accuracyOf(model.metrics.valAccuracy, model.metrics.valSamples)),
        h('dt', {}, 'Size'),
        h('dd', { testid: 'model-size' }, sizes ? `float32 ${formatBytes(sizes.float32Bytes)} · int8 ${formatBytes(sizes.int8Bytes)}` : formatBytes(saved?.sizeBytes ?? artifact?.sizeBytes)),
        h('dt', {}, 'Trained'), h('dd', { testid: 'model-date' }, formatDate(model.createdAt)),
      ),
      roughLine(model),
      saved ? variantView(saved, busy, (pick) => void act(model, () => pickVariant(saved, pick))) : null,
      h('div', { class: 'model-row-actions' }, saved ? null : download, saved && !active ? activate : null, saved ? remove : null, details),
      onServer && !serverActiveRow && !confirming ? h('div', { class: 'model-row-actions server-actions' }, serverActivate, serverDelete) : null,
      confirmation,
      message ? h('p', { class: 'status', testid: 'model-row-status', role: 'status' }, message) : null,
      detailsOpen ? detailsOf(model) : null,
    );
  }

  function roughLine(model: ModelVersion): HTMLElement | null {
    const note = model.metrics.anomaly ? undefined : roughNote(Math.min(model.metrics.valSamples ?? Infinity, model.metrics.test?.samples ?? Infinity), 'Accuracy');
    return note ? h('p', { class: 'note-small warning', testid: 'model-rough', role: 'note' }, note) : null;
  }

  function detailsOf(model: ModelVersion): HTMLElement {
    const view = reportViews.get(model.id);
    const error = reportErrors.get(model.id);
    return h(
      'div',
      { class: 'model-details', testid: 'model-details', 'data-state': view ? 'ready' : error ? 'error' : 'loading' },
      view ?? h('p', { class: 'muted', testid: 'model-details-status', role: 'status' }, error ?? 'Loading the training report…'),
    );
  }

  /** Fetches the version's report once; its view is kept, so a re-render keeps the chosen variant. */
  async function loadReport(model: ModelVersion): Promise<void> {
    if (reportViews.has(model.id) || reportsLoading.has(model.id)) return;
    reportsLoading.add(model.id);
    reportErrors.delete(model.id);
    try {
      reportViews.set(model.id, reportView(await client.getModelReport(model.id, { signal: controller.signal })));
    } catch (error) {
      if (controller.signal.aborted) return;
      reportErrors.set(
        model.id,
        error instanceof OffgridApiError && error.status === 404
          ? `v${model.version} has no training report (trained before reports existed, or deleted from the server).`
          : `Could not load the training report: ${describeApiError(error)}`,
      );
    } finally {
      reportsLoading.delete(model.id);
    }
    await render();
  }

  function confirmButton(model: ModelVersion): HTMLElement {
    const button = h('button', { type: 'button', class: 'danger', testid: 'model-server-delete-confirm' }, `Delete v${model.version} from server`);
    button.addEventListener('click', () => {
      confirmingDelete = undefined;
      void act(model, () => deleteOnServer(model));
    });
    return button;
  }

  function cancelButton(): HTMLElement {
    const button = h('button', { type: 'button', class: 'secondary', testid: 'model-server-delete-cancel' }, 'Keep it');
    button.addEventListener('click', () => {
      confirmingDelete = undefined;
      void render();
    });
    return button;
  }

  async function act(model: ModelVersion, action: () => Promise<string | undefined>): Promise<void> {
    working.add(model.id);
    rowStatus.clear(); // one message at a time: an older row's "now used" would be stale
    await render();
    try {
      const message = await action();
      if (message) rowStatus.set(model.id, message);
    } catch (error) {
      rowStatus.set(model.id, error instanceof OffgridChecksumError ? `Download refused: the file is corrupt (SHA-256 mismatch). Nothing was saved. Try again.` : `Failed: ${describeApiError(error)}`);
    } finally {
      working.delete(model.id);
      await render();
    }
  }

  async function downloadModel(model: ModelVersion): Promise<string> {
    rowStatus.set(model.id, 'Downloading…');
    const saved = await downloadToPhone(client, model, controller.signal, (step) => {
      rowStatus.set(model.id, step);
      void render();
    });
    return `Downloaded and verified; measured here, keeps ${saved.variant} (${formatBytes(saved.sizeBytes)}) on ${saved.choice?.accelerator ?? 'wasm'}.`;
  }

  async function pickVariant(saved: StoredModel, pick: VariantPick): Promise<string> {
    await useVariant(client, saved, pick, controller.signal);
    if ((await getActiveModelId(project.id)) === saved.model.id) onActivate(saved.model.id);
    return `Now runs ${pick.variant} on ${pick.accelerator} on this phone.`;
  }

  async function activateModel(model: ModelVersion): Promise<string> {
    await setActiveModelId(project.id, model.id);
    onActivate(model.id);
    return `v${model.version} is now used for prediction.`;
  }

  async function deleteModel(model: ModelVersion): Promise<string> {
    await deleteStoredModel(model);
    return 'Deleted from this phone.';
  }

  /** Pins this version as the server's active model (an older one = rollback); the list is re-read. */
  async function activateOnServer(model: ModelVersion): Promise<string> {
    serverProject = await client.activateModel(model.id, { pin: true }, { signal: controller.signal });
    await refresh(true);
    return `v${model.version} is now the server’s active model (pinned).`;
  }

  async function deleteOnServer(model: ModelVersion): Promise<undefined> {
    await client.deleteModel(model.id, { signal: controller.signal });
    await refresh(true);
    // Said above the list: the row itself goes away unless the phone keeps a copy.
    status.textContent = `v${model.version} was deleted from the server.`;
    return undefined;
  }

  async function showStorage(): Promise<void> {
    const estimate = await navigator.storage?.estimate?.().catch(() => undefined);
    if (!estimate || controller.signal.aborted) return;
    storage.textContent = `Storage used by Offgrid on this phone: ${formatBytes(estimate.usage)} of ${formatBytes(estimate.quota)} available.`;
    storage.dataset.usage = String(estimate.usage ?? 0);
  }

  refreshButton.addEventListener('click', () => void refresh(true));
  unpinButton.addEventListener('click', () => {
    const active = serverModels?.find((m) => m.active);
    if (!active) return;
    unpinButton.disabled = true;
    void client
      .activateModel(active.id, { pin: false }, { signal: controller.signal })
      .then(() => refresh(true))
      .catch((error: unknown) => {
        if (!controller.signal.aborted) status.textContent = `Could not unpin: ${describeApiError(error)}`;
      })
      .finally(() => {
        unpinButton.disabled = false;
      });
  });

  return {
    show: () => void refresh(true),
    dispose: () => controller.abort(),
  };
}
