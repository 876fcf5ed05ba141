// Which model the Predict tab runs, and loading it: the phone's own choice (encrypted in IndexedDB; works offline)
// or the version the server has active, downloaded first if needed. Loads run one after another.
import type { ModelVersion } from '@offgrid/sdk';
import { OffgridApiError } from '@offgrid/sdk';
import type { AppServices } from '../../context.ts';
import { getActiveModelId, listStoredModels, loadModelBytes, setActiveModelId, type StoredModel } from '../../device/model-store.ts';
import { downloadToPhone } from '../../device/model-sync.ts';
import { loadPersonalHead } from '../../device/learning/personal-heads.ts';
import { Predictor } from '../../device/predictor.ts';

/** Why this version runs: the server's active one (pinned or not), or this phone's own choice. */
export type ModelSource = { kind: 'server'; pinned: boolean } | { kind: 'phone'; offline: boolean };

export interface ModelLoaderEvents {
  /** Progress of a load, in words. */
  status(text: string): void;
  /** A model is compiled and replaces the previous one (disposed by the loader). */
  loaded(stored: StoredModel, predictor: Predictor, source: ModelSource): void;
  /** A load started (true) or ended (false), whatever its outcome. */
  busy(busy: boolean): void;
  /** A load failed. */
  failed(error: unknown): void;
}

export class ModelLoader {
  private predictor?: Predictor;
  private stored?: StoredModel;
  private loading = false;
  private disposed = false;
  private queue = Promise.resolve();
  private readonly controller = new AbortController();

  constructor(
    private readonly services: Pick<AppServices, 'client' | 'reachability'>,
    private readonly projectId: string,
    private readonly events: ModelLoaderEvents,
  ) {}

  /** The version running now, if any. */
  get model(): ModelVersion | undefined {
    return this.stored?.model;
  }

  get hasModel(): boolean {
    return this.predictor !== undefined;
  }

  get busy(): boolean {
    return this.loading;
  }

  /** Runs loads one after another (a tap during the automatic load waits for it). */
  run(action: (loader: this) => Promise<void>): Promise<void> {
    this.queue = this.queue.then(async () => {
      if (this.disposed) return;
      this.loading = true;
      this.events.busy(true);
      try {
        await action(this);
      } catch (error) {
        if (!this.disposed) this.events.failed(error);
      } finally {
        this.loading = false;
        this.events.busy(false);
      }
    });
    return this.queue;
  }

  /** Compiles a version saved on the phone (on the accelerator its measurement chose) and makes it the running one. */
  async loadLocal(modelId: string, source: ModelSource = { kind: 'phone', offline: this.services.reachability.state === 'offline' }): Promise<void> {
    const { stored, bytes } = await loadModelBytes(modelId);
    // Personalized on this phone: its trunk runs, then its own head (device/learning/personal-heads.ts).
    const personal = await loadPersonalHead(modelId);
    if (this.disposed) return;
    this.events.status(`Starting LiteRT.js for model v${stored.model.version}${personal ? ' (personalized)' : ''}…`);
    const next = await Predictor.load(personal?.trunk ?? bytes, stored.model.input, stored.choice?.accelerator);
    try {
      if (personal) await next.useHead(personal.head);
    } catch (error) {
      next.dispose();
      throw error;
    }
    if (this.disposed) return next.dispose();
    this.predictor?.dispose();
    this.predictor = next;
    this.stored = stored;
    this.events.loaded(stored, next, source);
  }

  /** The phone's own choice, if it has one (opening the tab); else says which version is saved. */
  async loadPhoneChoice(stillWanted: () => boolean): Promise<void> {
    const active = await getActiveModelId(this.projectId);
    if (active && stillWanted()) return this.loadLocal(active);
    const saved = await listStoredModels(this.projectId);
    if (saved.length > 0) this.events.status(`Model v${saved[0].model.version} is saved on this phone. Use it from the Models tab, or tap “Load the server’s model”.`);
  }

  /**
   * The version the server has active (pinned or its newest result) onto the phone and made the phone's choice;
   * with the server offline, the phone's own choice (else its newest saved version).
   */
  async loadServerChoice(): Promise<void> {
    this.events.status('Asking the server which model is active…');
    const chosen = await this.serverChoice();
    if (!chosen) return;
    const { model, pinned } = chosen;
    const saved = (await listStoredModels(this.projectId)).some((s) => s.model.id === model.id);
    if (!saved) await downloadToPhone(this.services.client, model, this.controller.signal, (step) => this.events.status(step));
    await setActiveModelId(this.projectId, model.id);
    await this.loadLocal(model.id, { kind: 'server', pinned });
  }

  dispose(): void {
    this.disposed = true;
    this.controller.abort();
    this.predictor?.dispose();
  }

  /** The server's active version; undefined when the server is offline and the phone's own choice was loaded instead. */
  private async serverChoice(): Promise<{ model: ModelVersion; pinned: boolean } | undefined> {
    const { client, reachability } = this.services;
    let models: ModelVersion[];
    let activeModelId: string | undefined;
    let modelPinned: boolean | undefined;
    try {
      const signal = this.controller.signal;
      const [list, current] = await Promise.all([client.listModels(this.projectId, { signal }), client.getProject(this.projectId, { signal })]);
      [models, activeModelId, modelPinned] = [list, current.activeModelId, current.modelPinned];
    } catch (error) {
      if (!(error instanceof OffgridApiError && error.status === 0)) throw error;
      reachability.report(false);
      const local = (await getActiveModelId(this.projectId)) ?? (await listStoredModels(this.projectId))[0]?.model.id;
      if (!local) throw new Error('No model is saved on this phone and the server is offline. Load one while connected.', { cause: error });
      await this.loadLocal(local, { kind: 'phone', offline: true });
      return undefined;
    }
    const model = models.find((m) => m.active) ?? models.find((m) => m.id === activeModelId) ?? models[0];
    if (!model) throw new Error('This project has no model yet. Train one first.');
    return { model, pinned: modelPinned === true && model.id === activeModelId };
  }
}
