// Federated rounds on the Train tab (docs/federated.md): the project's open round (number, deadline, phones
// joined) with Join: this phone trains the head on the samples it holds and sends only the change
// (device/learning/round.ts), rates the average, and shows the decision. Anyone paired can open a round here.
import type { FederatedRound, ModelVersion, OffgridClient } from '@offgrid/sdk';
import { describeApiError } from '../../api-errors.ts';
import type { BatteryMonitor } from '../../battery.ts';
import type { Dispose, SampleQueue } from '../../context.ts';
import { h } from '../../dom.ts';
import { samplesOnPhone } from '../../device/learning/prepare.ts';
import { describeRoundOutcome } from '../../device/learning/rating.ts';
import { takePartInRound } from '../../device/learning/round.ts';
import { roundStageOf } from '../../device/learning/round-stage.ts';
import { getStoredModel } from '../../device/model-store.ts';
import { formatDate } from '../../device/model-sync.ts';
import type { ModalProject } from '../../modalities/project-fields.ts';
import { runLearning, runView } from './learning-run.ts';

export interface RoundCardOptions {
  client: OffgridClient;
  outbox: SampleQueue;
  battery: BatteryMonitor;
  project: ModalProject;
  /** A round registered a new version. */
  onRegistered(model: ModelVersion): void;
}

function roundSummary(round: FederatedRound): string {
  const joined = round.participants.length;
  const sent = round.participants.filter((p) => p.status === 'submitted').length;
  const { minParticipants, maxParticipants } = round.settings;
  return `Round ${round.number} (${round.status}) · until ${formatDate(round.status === 'evaluating' ? round.evaluationDeadline ?? round.deadline : round.deadline)} · ${joined} phone${joined === 1 ? '' : 's'} joined, ${sent} sent updates (needs ${minParticipants}, averages at ${maxParticipants})`;
}

function openForm() {
  const number = (testid: string, value: string, label: string) => h('label', {}, label, h('input', { testid, inputmode: 'numeric', value, autocomplete: 'off' }));
  const min = number('round-min-input', '2', 'Fewest phones');
  const max = number('round-max-input', '3', 'Averages at');
  const minutes = number('round-deadline-input', '10', 'Deadline (minutes)');
  const button = h('button', { type: 'button', class: 'secondary', testid: 'round-open-button' }, 'Open a round');
  const element = h('details', { class: 'settings', testid: 'round-open' }, h('summary', {}, 'Open a round'), h('div', { class: 'form-row' }, min, max, minutes), button);
  const read = () => {
    const value = (label: HTMLElement) => Number((label.querySelector('input') as HTMLInputElement).value.trim());
    const settings = { minParticipants: value(min), maxParticipants: value(max), deadlineSeconds: Math.round(value(minutes) * 60) };
    if (!Number.isInteger(settings.minParticipants) || settings.minParticipants < 1) throw new Error('The fewest phones is a whole number, 1 or more.');
    if (!Number.isInteger(settings.maxParticipants) || settings.maxParticipants < settings.minParticipants) throw new Error('“Averages at” is a whole number, at least the fewest phones.');
    if (!(settings.deadlineSeconds >= 60)) throw new Error('The deadline is at least 1 minute.');
    return settings;
  };
  return { element, button, read };
}

export function mountRoundCard(root: HTMLElement, options: RoundCardOptions): Dispose {
  const { client, project } = options;
  const controller = new AbortController();
  const summary = h('p', { testid: 'round-summary' }, 'Looking for a federated round…');
  const outcome = h('p', { class: 'status', testid: 'round-outcome', role: 'status' });
  const joinButton = h('button', { type: 'button', class: 'primary', testid: 'round-join-button', hidden: true }, 'Join');
  const refreshButton = h('button', { type: 'button', class: 'secondary small', testid: 'round-refresh-button' }, 'Refresh');
  const view = runView('round');
  const form = openForm();
  root.replaceChildren(h('div', { class: 'card learning-card', testid: 'round-card' },
    h('h2', {}, 'Federated rounds'),
    h('p', { class: 'muted' }, 'Phones train together: each sends only how its training changed the model’s last layer, and how many samples it used. The server averages them and keeps the result only if the phones rate it better.'),
    summary, joinButton, refreshButton, view.progress, view.cancelButton, view.status, outcome, form.element));

  let current: FederatedRound | undefined;
  let busy = false;
  let resumed: string | undefined;
  const show = (round: FederatedRound | undefined) => {
    current = round && round.status !== 'closed' ? round : undefined;
    summary.textContent = current ? roundSummary(current) : round ? `No round open. The last one: ${describeRoundOutcome(round)}` : 'No round open.';
    summary.dataset.status = current?.status ?? 'none';
    const stage = current ? roundStageOf(current) : 'done';
    joinButton.textContent = stage === 'join' ? 'Join' : 'Continue';
    joinButton.hidden = stage === 'done' || busy;
  };
  const refresh = async () => {
    try {
      show((await client.listRounds(project.id, { signal: controller.signal }))[0]);
      // The app reloaded after this phone sent its update: waiting and rating cost no training, so they resume by
      // themselves (the rating has a deadline); joining and training wait for the user's Join or Continue.
      // Once per round: a resume that fails leaves the Continue button, not a loop.
      if (current && ['wait', 'rate'].includes(roundStageOf(current)) && !busy && resumed !== current.id) {
        resumed = current.id;
        void join();
      }
    } catch (error) {
      if (!controller.signal.aborted) summary.textContent = `Could not read the rounds: ${describeApiError(error)}`;
    }
  };
  refreshButton.addEventListener('click', () => void refresh());
  form.button.addEventListener('click', async () => {
    try {
      show(await client.openRound(project.id, form.read(), { signal: controller.signal }));
      outcome.textContent = '';
    } catch (error) {
      outcome.textContent = `The round did not open: ${describeApiError(error)}`;
    }
  });
  joinButton.addEventListener('click', () => void join());

  async function join(): Promise<void> {
    const round = current;
    if (!round || busy) return;
    busy = true;
    joinButton.hidden = true;
    outcome.textContent = '';
    delete outcome.dataset.decision;
    delete view.status.dataset.state;
    try {
      const [samples, stored] = await Promise.all([samplesOnPhone(project.id, options.outbox), getStoredModel(round.baseModelId)]);
      if (samples.length < 2) {
        outcome.textContent = `This phone holds ${samples.length} sample(s) of this project; capture some before joining a round.`;
        return;
      }
      const closed = await runLearning(view, options.battery, controller.signal, (signal, onProgress) =>
        takePartInRound(client, round, samples, { variant: stored?.variant, accelerator: stored?.choice?.accelerator, signal, onProgress }));
      if (!closed) return;
      const registered = closed.outcome?.modelId ? await client.getModel(closed.outcome.modelId, { signal: controller.signal }) : undefined;
      outcome.textContent = describeRoundOutcome(closed, registered?.version);
      outcome.dataset.decision = closed.outcome?.decision ?? closed.status;
      view.status.textContent = '';
      show(closed);
      if (registered) options.onRegistered(registered);
    } catch (error) {
      if (!controller.signal.aborted) outcome.textContent = `The round did not finish here: ${describeApiError(error)}`;
    } finally {
      busy = false;
      if (!controller.signal.aborted) void refresh();
    }
  }

  void refresh();
  return () => controller.abort();
}
