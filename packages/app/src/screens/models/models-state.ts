// What the Models tab knows: the server's versions and project (when reachable), what each row is doing, which
// server delete waits for confirmation, and the training reports opened. The panel draws it (model-row.ts).
import type { ModelVersion, Project } from '@offgrid/sdk';
import { OffgridApiError, OffgridChecksumError } from '@offgrid/sdk';
import { describeApiError } from '../../api-errors.ts';
import type { StoredModel } from '../../device/model-store.ts';
import { reportView } from '../../training/report-view.ts';
import type { RowState } from './model-row.ts';

export class ModelsState {
  serverModels?: ModelVersion[];
  serverProject: Project;
  /** One message at a time, on the row it is about. */
  readonly rowStatus = new Map<string, string>();
  readonly working = new Set<string>();
  /** The row whose "Delete from server" waits for confirmation. */
  confirmingDelete?: string;
  /** Rows whose details (the training report) are open, and each report's view once loaded (kept across renders). */
  readonly openDetails = new Set<string>();
  private readonly reportViews = new Map<string, HTMLElement>();
  private readonly reportErrors = new Map<string, string>();
  private readonly reportsLoading = new Set<string>();

  constructor(project: Project) {
    this.serverProject = project;
  }

  get serverActive(): ModelVersion | undefined {
    return this.serverModels?.find((m) => m.active);
  }

  /** Server versions and those only on the phone, newest first. */
  rows(saved: readonly StoredModel[], activeId: string | undefined): RowState[] {
    const savedById = new Map(saved.map((s) => [s.model.id, s]));
    const models = new Map<string, ModelVersion>();
    for (const model of this.serverModels ?? []) models.set(model.id, model);
    for (const s of saved) if (!models.has(s.model.id)) models.set(s.model.id, s.model);
    const onServer = new Set((this.serverModels ?? []).map((m) => m.id));
    return [...models.values()].sort((a, b) => b.version - a.version).map((model) => ({
      model,
      saved: savedById.get(model.id),
      active: model.id === activeId,
      onServer: onServer.has(model.id),
      serverActive: onServer.has(model.id) && model.active,
      serverPinned: this.serverProject.modelPinned,
      busy: this.working.has(model.id),
      confirming: this.confirmingDelete === model.id,
      message: this.rowStatus.get(model.id),
      details: this.openDetails.has(model.id) ? { view: this.reportViews.get(model.id), error: this.reportErrors.get(model.id) } : undefined,
    }));
  }

  /** Runs a row's action: the row is busy meanwhile, and its outcome becomes the row's message. */
  async act(model: ModelVersion, action: () => Promise<string | undefined>, render: () => Promise<void>): Promise<void> {
    this.working.add(model.id);
    this.rowStatus.clear(); // one message at a time: an older row's "now used" would be stale
    await render();
    try {
      const message = await action();
      if (message) this.rowStatus.set(model.id, message);
    } catch (error) {
      this.rowStatus.set(model.id, error instanceof OffgridChecksumError ? `Download refused: the file is corrupt (SHA-256 mismatch). Nothing was saved. Try again.` : `Failed: ${describeApiError(error)}`);
    } finally {
      this.working.delete(model.id);
      await render();
    }
  }

  /** Whether the version's report is needed: not loaded and not loading. Marks it loading. */
  startReport(modelId: string): boolean {
    if (this.reportViews.has(modelId) || this.reportsLoading.has(modelId)) return false;
    this.reportsLoading.add(modelId);
    this.reportErrors.delete(modelId);
    return true;
  }

  /** A report arrived (its view is kept, so a re-render keeps the chosen variant) or could not be loaded. */
  finishReport(model: ModelVersion, outcome: { report: Parameters<typeof reportView>[0] } | { error: unknown }): void {
    this.reportsLoading.delete(model.id);
    if ('report' in outcome) return void this.reportViews.set(model.id, reportView(outcome.report));
    this.reportErrors.set(
      model.id,
      outcome.error instanceof OffgridApiError && outcome.error.status === 404
        ? `v${model.version} has no training report (trained before reports existed, or deleted from the server).`
        : `Could not load the training report: ${describeApiError(outcome.error)}`,
    );
  }
}
