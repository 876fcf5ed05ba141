// The Train tab's view: budget presets, Train/Cancel, status and transport, progress and clock, the metrics, the
// result line, the leaderboard and the learning curves. Functions of what to show; the panel keeps the state.
import type { Job, JobConnection, ModelVersion } from '@offgrid/sdk';
import { h, percent } from '../../dom.ts';
import { BUDGETS } from '../../training/budgets.ts';
import type { LiveCurves } from '../../training/curves.ts';
import { LeaderboardView } from '../../training/leaderboard-view.ts';
import { LearningCurveChart } from '../../training/learning-curve-chart.ts';
import { PHASE_TEXT, clock, familyName } from '../../training/names.ts';
import { accuracyOf, roughNote } from '../../training/sample-counts.ts';
import '../../training/training.css';

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

function metricsView() {
  const dd = (testid: string) => h('dd', { testid }, '—');
  const fields = { phase: dd('train-phase'), trials: dd('train-trials'), epoch: dd('train-epoch'), accuracy: dd('train-accuracy'), valAccuracy: dd('train-val-accuracy'), eta: dd('train-eta') };
  const element = h(
    'dl',
    { class: 'metrics' },
    h('dt', {}, 'Phase'), fields.phase,
    h('dt', {}, 'Trials done'), fields.trials,
    h('dt', {}, 'Epoch'), fields.epoch,
    h('dt', {}, 'Accuracy'), fields.accuracy,
    h('dt', {}, 'Val accuracy'), fields.valAccuracy,
    h('dt', {}, 'Time left'), fields.eta,
  );
  return { ...fields, element };
}

export function trainView(onBudget: (seconds: number) => void) {
  const budgetHint = h('p', { class: 'muted note-small budget-hint', testid: 'budget-hint' });
  const budgetButtons = BUDGETS.map(({ seconds, title }) => {
    const button = h('button', { type: 'button', role: 'radio', class: 'segment', testid: `budget-${seconds}`, 'data-seconds': seconds }, title);
    button.addEventListener('click', () => onBudget(seconds));
    return button;
  });
  const leaderboard = new LeaderboardView();
  const chart = new LearningCurveChart();
  const view = {
    budgetHint,
    budgetButtons,
    trainButton: h('button', { type: 'button', class: 'primary', testid: 'train-button' }, 'Train'),
    cancelButton: h('button', { type: 'button', class: 'secondary', testid: 'train-cancel-button', hidden: true }, 'Cancel'),
    status: h('p', { class: 'status', testid: 'train-status', role: 'status' }, 'Not started. Capture a few samples per label first.'),
    transport: h('span', { class: 'transport', testid: 'train-transport', hidden: true }),
    progress: h('progress', { testid: 'train-progress', max: 1, value: 0 }),
    clockLine: h('p', { class: 'muted note-small clock', testid: 'train-clock' }),
    metrics: metricsView(),
    result: h('p', { class: 'result', testid: 'train-result', hidden: true }),
    rough: h('p', { class: 'note-small warning', testid: 'train-result-rough', role: 'note', hidden: true }),
    notifyNote: h('p', { class: 'muted', testid: 'train-notify-note', hidden: true }),
    leaderboard,
    chart,
    searchView: h('div', { class: 'search-view', testid: 'search-view', hidden: true }, h('h3', {}, 'Leaderboard'), leaderboard.element, h('h3', {}, 'Learning curves'), chart.element),
  };
  return view;
}

export type TrainView = ReturnType<typeof trainView>;

export function trainElements(view: TrainView): HTMLElement[] {
  return [
    h('div', { class: 'segments budgets', role: 'radiogroup', 'aria-label': 'Time budget' }, ...view.budgetButtons),
    view.budgetHint,
    h('div', { class: 'actions' }, view.trainButton, view.cancelButton),
    h('div', { class: 'train-status-row' }, view.status, view.transport),
    view.progress,
    view.clockLine,
    view.metrics.element,
    view.notifyNote,
    view.result,
    view.rough,
    view.searchView,
  ];
}

export function showBudget(view: TrainView, seconds: number): void {
  view.budgetButtons.forEach((button) => button.setAttribute('aria-checked', String(Number(button.dataset.seconds) === seconds)));
  view.budgetHint.textContent = BUDGETS.find((b) => b.seconds === seconds)?.hint ?? '';
}

/** One progress message: status, progress, phase, metrics, clock, leaderboard and the live curves. */
export function showJob(view: TrainView, update: Job, budgetSeconds: number, curves: LiveCurves): void {
  const p = update.progress;
  const m = view.metrics;
  const failure = update.status === 'failed' ? update.failure ?? (update.error ? { code: 'FAILED' as const, message: update.error } : undefined) : undefined;
  view.status.textContent = failure ? `${STATUS_TEXT.failed}: ${failure.message}` : STATUS_TEXT[update.status];
  // The code (docs/api.md "Why a training job failed") for styles and tests; the message already says the fix.
  if (failure) view.status.dataset.failure = failure.code;
  else delete view.status.dataset.failure;
  view.progress.value = update.status === 'succeeded' ? 1 : Math.min(1, Math.max(0, p.fraction));
  m.phase.dataset.phase = p.phase;
  // The trial that reported last (-1: the winner being retrained, already named by the phase).
  const trial = p.phase === 'searching' && p.trialNumber !== undefined && p.trialNumber >= 0 ? ` · trial ${p.trialNumber}${p.family ? ` (${familyName(p.family)})` : ''}` : '';
  m.phase.textContent = `${PHASE_TEXT[p.phase] ?? p.phase}${trial}`;
  m.trials.textContent = String(p.trialsFinished);
  m.epoch.textContent = p.epochs > 0 ? `${p.epoch} / ${p.epochs}` : '—';
  m.accuracy.textContent = percent(p.accuracy);
  m.valAccuracy.textContent = percent(p.valAccuracy);
  m.eta.textContent = p.etaSeconds === undefined ? '—' : `${Math.ceil(p.etaSeconds)} s`;
  view.clockLine.textContent = `${clock(p.elapsedSeconds)} of ${clock(update.request?.budgetSeconds ?? budgetSeconds)}`;
  const current = p.phase === 'searching' ? p.trialNumber : undefined;
  view.leaderboard.update(p.leaderboard, current);
  view.searchView.hidden = false;
  if (curves.add(p) || view.chart.element.dataset.drawn !== 'live') {
    view.chart.draw(curves.curves(), LeaderboardView.bestOf(p.leaderboard)?.trialNumber);
    view.chart.element.dataset.drawn = 'live';
  }
}

export function showConnection(view: TrainView, { transport: name, state }: JobConnection): void {
  const transport = view.transport;
  transport.hidden = false;
  transport.dataset.transport = name;
  transport.dataset.state = state;
  transport.textContent = state === 'live' ? `Live · ${TRANSPORT_TEXT[name]}` : `Reconnecting (${TRANSPORT_TEXT[name]})…`;
  transport.title = name === 'polling' ? 'Updates arrive once a second.' : 'Updates arrive as they happen.';
}

export function showRunning(view: TrainView, running: boolean): void {
  view.notifyNote.hidden = !running;
  view.notifyNote.textContent =
    typeof Notification !== 'undefined' && Notification.permission !== 'denied'
      ? 'Keep Offgrid open (other tabs are fine): a notification says when the model is ready.'
      : 'Notifications are off for this app: the result shows here when training ends.';
  view.trainButton.disabled = running;
  view.budgetButtons.forEach((button) => (button.disabled = running));
  view.cancelButton.hidden = !running;
  view.cancelButton.disabled = false;
  if (!running) view.transport.hidden = true;
}

/** A new run: no result, progress and curves from zero. */
export function showStarting(view: TrainView): void {
  view.result.hidden = true;
  view.rough.hidden = true;
  view.status.textContent = 'Starting…';
  view.progress.value = 0;
  delete view.chart.element.dataset.drawn;
}

export function showResult(view: TrainView, model: ModelVersion): void {
  view.result.textContent = `Model v${model.version} · ${modelQuality(model)}`;
  view.result.dataset.modelId = model.id;
  view.result.hidden = false;
  const note = model.metrics.anomaly ? undefined : roughNote(Math.min(model.metrics.valSamples ?? Infinity, model.metrics.test?.samples ?? Infinity), 'Accuracy');
  view.rough.textContent = note ?? '';
  view.rough.hidden = !note;
}

/** What a user should know of a new model: accuracy for classifiers; for anomaly detectors, the calibrated threshold (their "accuracy" is only the threshold's own false-alarm target). */
export function modelQuality(model: ModelVersion): string {
  const { anomaly, test, valAccuracy } = model.metrics;
  if (anomaly) return `anomaly threshold ${anomaly.threshold.toPrecision(4)}, calibrated for ${percent(anomaly.falseAlarmRate)} false alarms`;
  return `val accuracy ${accuracyOf(valAccuracy, model.metrics.valSamples)}${test ? ` · int8 test accuracy ${accuracyOf(test.int8.accuracy, test.samples)}` : ''}`;
}
