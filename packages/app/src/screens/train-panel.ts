// Train: pick a time budget, start training, follow live progress until a model version exists.
import type { Job, ModelVersion, OffgridClient, Project } from '@offgrid/sdk';
import { describeApiError } from '../api-errors.ts';
import type { Dispose } from '../context.ts';
import { h, percent } from '../dom.ts';
import { askNotificationPermission, notifyDone } from '../notify.ts';
import { routeHash } from '../routes.ts';

export const BUDGETS: readonly { seconds: number; title: string }[] = [
  { seconds: 30, title: '30 s' },
  { seconds: 120, title: '2 min' },
  { seconds: 600, title: '10 min' },
];
const DEFAULT_BUDGET_SECONDS = 30;

const STATUS_TEXT: Record<Job['status'], string> = {
  queued: 'Queued…',
  running: 'Training…',
  succeeded: 'Training finished',
  failed: 'Training failed',
  cancelled: 'Training cancelled',
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

  const budgetButtons = BUDGETS.map(({ seconds, title }) => {
    const button = h('button', { type: 'button', role: 'radio', class: 'segment', testid: `budget-${seconds}`, 'data-seconds': seconds }, title);
    button.addEventListener('click', () => selectBudget(seconds));
    return button;
  });
  const selectBudget = (seconds: number) => {
    budgetSeconds = seconds;
    budgetButtons.forEach((button) => button.setAttribute('aria-checked', String(Number(button.dataset.seconds) === seconds)));
  };
  selectBudget(DEFAULT_BUDGET_SECONDS);

  const trainButton = h('button', { type: 'button', class: 'primary', testid: 'train-button' }, 'Train');
  const cancelButton = h('button', { type: 'button', class: 'secondary', testid: 'train-cancel-button', hidden: true }, 'Cancel');
  const status = h('p', { class: 'status', testid: 'train-status', role: 'status' }, 'Not started. Capture a few samples per label first.');
  const progress = h('progress', { testid: 'train-progress', max: 1, value: 0 });
  const phase = h('dd', { testid: 'train-phase' }, '—');
  const epoch = h('dd', { testid: 'train-epoch' }, '—');
  const accuracy = h('dd', { testid: 'train-accuracy' }, '—');
  const valAccuracy = h('dd', { testid: 'train-val-accuracy' }, '—');
  const eta = h('dd', { testid: 'train-eta' }, '—');
  const result = h('p', { class: 'result', testid: 'train-result', hidden: true });
  const notifyNote = h('p', { class: 'muted', testid: 'train-notify-note', hidden: true });

  root.replaceChildren(
    h('div', { class: 'segments', role: 'radiogroup', 'aria-label': 'Time budget' }, ...budgetButtons),
    h('div', { class: 'actions' }, trainButton, cancelButton),
    status,
    progress,
    h(
      'dl',
      { class: 'metrics' },
      h('dt', {}, 'Phase'), phase,
      h('dt', {}, 'Epoch'), epoch,
      h('dt', {}, 'Accuracy'), accuracy,
      h('dt', {}, 'Val accuracy'), valAccuracy,
      h('dt', {}, 'Time left'), eta,
    ),
    notifyNote,
    result,
  );

  const show = (update: Job) => {
    job = update;
    const p = update.progress;
    status.textContent = update.status === 'failed' && update.error ? `${STATUS_TEXT.failed}: ${update.error}` : STATUS_TEXT[update.status];
    progress.value = update.status === 'succeeded' ? 1 : Math.min(1, Math.max(0, p.fraction));
    phase.textContent = p.phase;
    epoch.textContent = p.epochs > 0 ? `${p.epoch} / ${p.epochs}` : '—';
    accuracy.textContent = percent(p.accuracy);
    valAccuracy.textContent = percent(p.valAccuracy);
    eta.textContent = p.etaSeconds === undefined ? '—' : `${Math.ceil(p.etaSeconds)} s`;
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
  };

  const predictUrl = routeHash({ name: 'project', projectId: project.id, tab: 'predict' });
  const modelsUrl = routeHash({ name: 'project', projectId: project.id, tab: 'models' });

  trainButton.addEventListener('click', async () => {
    // Asked here, on the tap, so "training is done" can reach the phone while it is in a pocket.
    askNotificationPermission();
    setRunning(true);
    result.hidden = true;
    status.textContent = 'Starting…';
    progress.value = 0;
    try {
      show(await client.startTraining(project.id, { budgetSeconds }, { signal: controller.signal }));
      const final = await client.watchJob(job!.id, show, controller.signal);
      if (final.status === 'succeeded' && final.modelId) {
        const model = await client.getModel(final.modelId, { signal: controller.signal });
        result.textContent = `Model v${model.version} · val accuracy ${percent(model.metrics.valAccuracy)}`;
        result.dataset.modelId = model.id;
        result.hidden = false;
        onModelReady(model);
        void notifyDone({
          title: `${project.name}: model v${model.version} is ready`,
          body: model.active
            ? `Val accuracy ${percent(model.metrics.valAccuracy)}. Open Predict to try it.`
            : `Val accuracy ${percent(model.metrics.valAccuracy)}. The server keeps a pinned version active; try v${model.version} from Models.`,
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
  });

  cancelButton.addEventListener('click', () => {
    if (!job) return;
    cancelButton.disabled = true;
    client.cancelJob(job.id, { signal: controller.signal }).then(show, (error: unknown) => {
      if (!controller.signal.aborted) status.textContent = `Could not cancel: ${describeApiError(error)}`;
    });
  });

  return () => controller.abort();
}
