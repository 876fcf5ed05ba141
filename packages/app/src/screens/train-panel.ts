// Train: pick a time budget, start the search, follow it live (phase, progress, leaderboard, learning curves, and
// which transport brings the updates) until a model version exists; then the report's exact curves.
import type { Job, JobConnection, ModelVersion, OffgridClient, Project } from '@offgrid/sdk';
import { describeApiError } from '../api-errors.ts';
import type { Dispose } from '../context.ts';
import { h, percent } from '../dom.ts';
import { accuracyOf, roughNote } from '../training/sample-counts.ts';
import { askNotificationPermission, notifyDone } from '../notify.ts';
import { routeHash } from '../routes.ts';
import { BUDGETS, DEFAULT_BUDGET_SECONDS } from '../training/budgets.ts';
import { LiveCurves, curvesFromReport } from '../training/curves.ts';
import { LeaderboardView } from '../training/leaderboard-view.ts';
import { LearningCurveChart } from '../training/learning-curve-chart.ts';
import { PHASE_TEXT, clock, familyName } from '../training/names.ts';
import '../training/training.css';

const STATUS_TEXT: Record<Job['status'], string> = {
  queued: 'Queued…',
  running: 'Training…',
  succeeded: 'Training finished',
  failed: 'Training failed',
  cancelled: 'Training cancelled',
};

const TRANSPORT_TEXT: Record<JobConnection['transport'], string> = {
  websocket: 'WebSocket',
  sse: 'Server-Sent Events',
  polling: 'polling every second',
};

export interface TrainPanelOptions {
  client: OffgridClient;
  project: Project;
  onModelReady(model: ModelVersion): void;
}

export function mountTrainPanel(root: HTMLElement, { client, project, onModelReady }: TrainPanelOptions): Dispose {
  const controller = new AbortController();
  let budgetSeconds = DEFAULT_BUDGET_SECONDS;
  let job: Job | undefined;
  let curves = new LiveCurves();

  const budgetHint = h('p', { class: 'muted note-small budget-hint', testid: 'budget-hint' });
  const budgetButtons = BUDGETS.map(({ seconds, title }) => {
    const button = h('button', { type: 'button', role: 'radio', class: 'segment', testid: `budget-${seconds}`, 'data-seconds': seconds }, title);
    button.addEventListener('click', () => selectBudget(seconds));
    return button;
  });
  const selectBudget = (seconds: number) => {
    budgetSeconds = seconds;
    budgetButtons.forEach((button) => button.setAttribute('aria-checked', String(Number(button.dataset.seconds) === seconds)));
    budgetHint.textContent = BUDGETS.find((b) => b.seconds === seconds)?.hint ?? '';
  };
  selectBudget(DEFAULT_BUDGET_SECONDS);

  const trainButton = h('button', { type: 'button', class: 'primary', testid: 'train-button' }, 'Train');
  const cancelButton = h('button', { type: 'button', class: 'secondary', testid: 'train-cancel-button', hidden: true }, 'Cancel');
  const status = h('p', { class: 'status', testid: 'train-status', role: 'status' }, 'Not started. Capture a few samples per label first.');
  const transport = h('span', { class: 'transport', testid: 'train-transport', hidden: true });
  const progress = h('progress', { testid: 'train-progress', max: 1, value: 0 });
  const clockLine = h('p', { class: 'muted note-small clock', testid: 'train-clock' });
  const phase = h('dd', { testid: 'train-phase' }, '—');
  const trials = h('dd', { testid: 'train-trials' }, '—');
  const epoch = h('dd', { testid: 'train-epoch' }, '—');
  const accuracy = h('dd', { testid: 'train-accuracy' }, '—');
  const valAccuracy = h('dd', { testid: 'train-val-accuracy' }, '—');
  const eta = h('dd', { testid: 'train-eta' }, '—');
  const result = h('p', { class: 'result', testid: 'train-result', hidden: true });
  const rough = h('p', { class: 'note-small warning', testid: 'train-result-rough', role: 'note', hidden: true });
  const notifyNote = h('p', { class: 'muted', testid: 'train-notify-note', hidden: true });
  const leaderboard = new LeaderboardView();
  const chart = new LearningCurveChart();
  const searchView = h(
    'div',
    { class: 'search-view', testid: 'search-view', hidden: true },
    h('h3', {}, 'Leaderboard'),
    leaderboard.element,
    h('h3', {}, 'Learning curves'),
    chart.element,
  );

  root.replaceChildren(
    h('div', { class: 'segments budgets', role: 'radiogroup', 'aria-label': 'Time budget' }, ...budgetButtons),
    budgetHint,
    h('div', { class: 'actions' }, trainButton, cancelButton),
    h('div', { class: 'train-status-row' }, status, transport),
    progress,
    clockLine,
    h(
      'dl',
      { class: 'metrics' },
      h('dt', {}, 'Phase'), phase,
      h('dt', {}, 'Trials done'), trials,
      h('dt', {}, 'Epoch'), epoch,
      h('dt', {}, 'Accuracy'), accuracy,
      h('dt', {}, 'Val accuracy'), valAccuracy,
      h('dt', {}, 'Time left'), eta,
    ),
    notifyNote,
    result,
    rough,
    searchView,
  );

  const show = (update: Job) => {
    job = update;
    const p = update.progress;
    status.textContent = update.status === 'failed' && update.error ? `${STATUS_TEXT.failed}: ${update.error}` : STATUS_TEXT[update.status];
    progress.value = update.status === 'succeeded' ? 1 : Math.min(1, Math.max(0, p.fraction));
    phase.dataset.phase = p.phase;
    // The trial that reported last (-1: the winner being retrained, already named by the phase).
    const trial = p.phase === 'searching' && p.trialNumber !== undefined && p.trialNumber >= 0 ? ` · trial ${p.trialNumber}${p.family ? ` (${familyName(p.family)})` : ''}` : '';
    phase.textContent = `${PHASE_TEXT[p.phase] ?? p.phase}${trial}`;
    trials.textContent = String(p.trialsFinished);
    epoch.textContent = p.epochs > 0 ? `${p.epoch} / ${p.epochs}` : '—';
    accuracy.textContent = percent(p.accuracy);
    valAccuracy.textContent = percent(p.valAccuracy);
    eta.textContent = p.etaSeconds === undefined ? '—' : `${Math.ceil(p.etaSeconds)} s`;
    clockLine.textContent = `${clock(p.elapsedSeconds)} of ${clock(update.request?.budgetSeconds ?? budgetSeconds)}`;
    const current = p.phase === 'searching' ? p.trialNumber : undefined;
    leaderboard.update(p.leaderboard, current);
    searchView.hidden = false;
    if (curves.add(p) || chart.element.dataset.drawn !== 'live') {
      chart.draw(curves.curves(), LeaderboardView.bestOf(p.leaderboard)?.trialNumber);
      chart.element.dataset.drawn = 'live';
    }
  };

  const showConnection = ({ transport: name, state }: JobConnection) => {
    transport.hidden = false;
    transport.dataset.transport = name;
    transport.dataset.state = state;
    transport.textContent = state === 'live' ? `Live · ${TRANSPORT_TEXT[name]}` : `Reconnecting (${TRANSPORT_TEXT[name]})…`;
    transport.title = name === 'polling' ? 'Updates arrive once a second.' : 'Updates arrive as they happen.';
  };

  /** The report's own per-epoch histories replace the curves pieced together from live snapshots. */
  const showReportCurves = async (modelId: string) => {
    try {
      const report = await client.getModelReport(modelId, { signal: controller.signal });
      chart.draw(curvesFromReport(report), report.winner.trialNumber);
      chart.element.dataset.drawn = 'report';
    } catch {
      // No report (an older server): the live curves stay.
    }
  };

  const setRunning = (running: boolean) => {
    notifyNote.hidden = !running;
    notifyNote.textContent =
      typeof Notification !== 'undefined' && Notification.permission !== 'denied'
        ? 'Keep Offgrid open (other tabs are fine): a notification says when the model is ready.'
        : 'Notifications are off for this app: the result shows here when training ends.';
    trainButton.disabled = running;
    budgetButtons.forEach((button) => (button.disabled = running));
    cancelButton.hidden = !running;
    cancelButton.disabled = false;
    if (!running) transport.hidden = true;
  };

  const predictUrl = routeHash({ name: 'project', projectId: project.id, tab: 'predict' });
  const modelsUrl = routeHash({ name: 'project', projectId: project.id, tab: 'models' });

  /** Follows a job to its final status (live, then the model's report); a new one or one found running on mount. */
  const follow = async (started: Job) => {
    setRunning(true);
    try {
      show(started);
      const final = await client.watchJob(started.id, show, { signal: controller.signal, onConnection: showConnection });
      if (final.status === 'succeeded' && final.modelId) {
        const model = await client.getModel(final.modelId, { signal: controller.signal });
        result.textContent = `Model v${model.version} · ${modelQuality(model)}`;
        result.dataset.modelId = model.id;
        result.hidden = false;
        const note = model.metrics.anomaly ? undefined : roughNote(Math.min(model.metrics.valSamples ?? Infinity, model.metrics.test?.samples ?? Infinity), 'Accuracy');
        rough.textContent = note ?? '';
        rough.hidden = !note;
        onModelReady(model);
        void showReportCurves(model.id);
        void notifyDone({
          title: `${project.name}: model v${model.version} is ready`,
          body: model.active
            ? `${capitalized(modelQuality(model))}. Open Predict to try it.`
            : `${capitalized(modelQuality(model))}. The server keeps a pinned version active; try v${model.version} from Models.`,
          url: model.active ? predictUrl : modelsUrl,
        });
      } else if (final.status === 'failed') {
        void notifyDone({ title: `${project.name}: training failed`, body: final.error ?? 'See the Train tab.', url: routeHash({ name: 'project', projectId: project.id, tab: 'train' }) });
      }
    } catch (error) {
      if (controller.signal.aborted) return;
      status.textContent = `Training did not run: ${describeApiError(error)}`;
    } finally {
      if (!controller.signal.aborted) setRunning(false);
    }
  };

  trainButton.addEventListener('click', async () => {
    // Asked here, on the tap, so "training is done" can reach the phone while it is in a pocket.
    askNotificationPermission();
    setRunning(true);
    result.hidden = true;
    rough.hidden = true;
    status.textContent = 'Starting…';
    progress.value = 0;
    curves = new LiveCurves();
    delete chart.element.dataset.drawn;
    let started: Job;
    try {
      started = await client.startTraining(project.id, { budgetSeconds }, { signal: controller.signal });
    } catch (error) {
      if (controller.signal.aborted) return;
      status.textContent = `Training did not run: ${describeApiError(error)}`;
      setRunning(false);
      return;
    }
    await follow(started);
  });

  // A job still queued or running (the app was closed, reloaded, or killed in the background meanwhile) is
  // followed again, so its progress and result are not lost to the phone.
  client.listJobs(project.id, { active: true }, { signal: controller.signal }).then(
    ([running]) => { if (running && !job) void follow(running); },
    () => undefined, // offline, or an older server: the panel simply starts idle
  );

  cancelButton.addEventListener('click', () => {
    if (!job) return;
    cancelButton.disabled = true;
    client.cancelJob(job.id, { signal: controller.signal }).then(show, (error: unknown) => {
      if (!controller.signal.aborted) status.textContent = `Could not cancel: ${describeApiError(error)}`;
    });
  });

  return () => controller.abort();
}

/** What a user should know of a new model: accuracy for classifiers; for anomaly detectors, the calibrated threshold (their "accuracy" is only the threshold's own false-alarm target). */
function modelQuality(model: ModelVersion): string {
  const { anomaly, test, valAccuracy } = model.metrics;
  if (anomaly) return `anomaly threshold ${anomaly.threshold.toPrecision(4)}, calibrated for ${percent(anomaly.falseAlarmRate)} false alarms`;
  return `val accuracy ${accuracyOf(valAccuracy, model.metrics.valSamples)}${test ? ` · int8 test accuracy ${accuracyOf(test.int8.accuracy, test.samples)}` : ''}`;
}

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
