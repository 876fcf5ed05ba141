// Train: pick a time budget, start the search, follow it live (phase, progress, leaderboard, learning curves, and
// which transport brings the updates) until a model version exists; then the report's exact curves.
// The view: train/train-view.ts.
import type { Job, ModelVersion, OffgridClient, Project } from '@offgrid/sdk';
import { describeApiError } from '../api-errors.ts';
import type { Dispose } from '../context.ts';
import { askNotificationPermission, notifyDone } from '../notify.ts';
import { routeHash } from '../routes.ts';
import { DEFAULT_BUDGET_SECONDS } from '../training/budgets.ts';
import { LiveCurves, curvesFromReport } from '../training/curves.ts';
import {
  modelQuality, showBudget, showConnection, showJob, showResult, showRunning, showStarting, trainElements, trainView, type TrainView,
} from './train/train-view.ts';

export interface TrainPanelOptions {
  client: OffgridClient;
  project: Project;
  onModelReady(model: ModelVersion): void;
}

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

class TrainPanel {
  private readonly controller = new AbortController();
  private readonly view: TrainView;
  private budgetSeconds = DEFAULT_BUDGET_SECONDS;
  private job?: Job;
  private curves = new LiveCurves();

  constructor(root: HTMLElement, private readonly options: TrainPanelOptions) {
    this.view = trainView((seconds) => this.selectBudget(seconds));
    this.selectBudget(DEFAULT_BUDGET_SECONDS);
    root.replaceChildren(...trainElements(this.view));
    this.view.trainButton.addEventListener('click', () => void this.start());
    this.view.cancelButton.addEventListener('click', () => this.cancel());
    this.resumeActiveJob();
  }

  private get signal(): AbortSignal {
    return this.controller.signal;
  }

  dispose(): void {
    this.controller.abort();
  }

  private selectBudget(seconds: number): void {
    this.budgetSeconds = seconds;
    showBudget(this.view, seconds);
  }

  private readonly show = (update: Job): void => {
    this.job = update;
    showJob(this.view, update, this.budgetSeconds, this.curves);
  };

  private setRunning(running: boolean): void {
    showRunning(this.view, running);
  }

  private async start(): Promise<void> {
    // Asked here, on the tap, so "training is done" can reach the phone while it is in a pocket.
    askNotificationPermission();
    this.setRunning(true);
    showStarting(this.view);
    this.curves = new LiveCurves();
    let started: Job;
    try {
      started = await this.options.client.startTraining(this.options.project.id, { budgetSeconds: this.budgetSeconds }, { signal: this.signal });
    } catch (error) {
      if (this.signal.aborted) return;
      this.view.status.textContent = `Training did not run: ${describeApiError(error)}`;
      this.setRunning(false);
      return;
    }
    await this.follow(started);
  }

  /**
   * A job still queued or running (the app was closed, reloaded, or killed in the background meanwhile) is followed
   * again, so its progress and result are not lost to the phone.
   */
  private resumeActiveJob(): void {
    this.options.client.listJobs(this.options.project.id, { active: true }, { signal: this.signal }).then(
      ([running]) => { if (running && !this.job) void this.follow(running); },
      () => undefined, // offline, or an older server: the panel simply starts idle
    );
  }

  /** Follows a job to its final status (live, then the model's report); a new one or one found running on mount. */
  private async follow(started: Job): Promise<void> {
    this.setRunning(true);
    try {
      this.show(started);
      const final = await this.options.client.watchJob(started.id, this.show, { signal: this.signal, onConnection: (c) => showConnection(this.view, c) });
      if (final.status === 'succeeded' && final.modelId) await this.finished(final.modelId);
      else if (final.status === 'failed') this.notifyFailed(final);
    } catch (error) {
      if (this.signal.aborted) return;
      this.view.status.textContent = `Training did not run: ${describeApiError(error)}`;
    } finally {
      if (!this.signal.aborted) this.setRunning(false);
    }
  }

  private async finished(modelId: string): Promise<void> {
    const { client, project, onModelReady } = this.options;
    const model = await client.getModel(modelId, { signal: this.signal });
    showResult(this.view, model);
    onModelReady(model);
    void this.showReportCurves(model.id);
    const tab = model.active ? 'predict' : 'models';
    void notifyDone({
      title: `${project.name}: model v${model.version} is ready`,
      body: model.active
        ? `${capitalized(modelQuality(model))}. Open Predict to try it.`
        : `${capitalized(modelQuality(model))}. The server keeps a pinned version active; try v${model.version} from Models.`,
      url: routeHash({ name: 'project', projectId: project.id, tab }),
    });
  }

  private notifyFailed(final: Job): void {
    const { project } = this.options;
    void notifyDone({ title: `${project.name}: training failed`, body: final.error ?? 'See the Train tab.', url: routeHash({ name: 'project', projectId: project.id, tab: 'train' }) });
  }

  /** The report's own per-epoch histories replace the curves pieced together from live snapshots. */
  private async showReportCurves(modelId: string): Promise<void> {
    try {
      const report = await this.options.client.getModelReport(modelId, { signal: this.signal });
      this.view.chart.draw(curvesFromReport(report), report.winner.trialNumber);
      this.view.chart.element.dataset.drawn = 'report';
    } catch {
      // No report (an older server): the live curves stay.
    }
  }

  private cancel(): void {
    if (!this.job) return;
    this.view.cancelButton.disabled = true;
    this.options.client.cancelJob(this.job.id, { signal: this.signal }).then(this.show, (error: unknown) => {
      if (!this.signal.aborted) this.view.status.textContent = `Could not cancel: ${describeApiError(error)}`;
    });
  }
}

export function mountTrainPanel(root: HTMLElement, options: TrainPanelOptions): Dispose {
  const panel = new TrainPanel(root, options);
  return () => panel.dispose();
}
