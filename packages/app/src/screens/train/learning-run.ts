// One learning run on the phone, as the Train tab shows it: checked against the battery policy first, cancelled
// when the page is hidden, the battery drops or the user taps Cancel (device/learning/policy.ts), with a progress
// bar and a status line. Used by "Learn on this phone" and by federated rounds.
import { describeApiError } from '../../api-errors.ts';
import type { BatteryMonitor } from '../../battery.ts';
import { h } from '../../dom.ts';
import { learningAllowed, learningMinLevel, learningRun, LearningStopped } from '../../device/learning/policy.ts';
import type { LearningProgress } from '../../device/learning/prepare.ts';

export interface RunView {
  progress: HTMLProgressElement;
  status: HTMLElement;
  cancelButton: HTMLButtonElement;
}

export function runView(prefix: string): RunView {
  return {
    progress: h('progress', { testid: `${prefix}-progress`, max: 1, value: 0, hidden: true }),
    status: h('p', { class: 'status', testid: `${prefix}-status`, role: 'status' }),
    cancelButton: h('button', { type: 'button', class: 'secondary', testid: `${prefix}-cancel-button`, hidden: true }, 'Cancel'),
  };
}

export function isCancellation(error: unknown): boolean {
  return error instanceof LearningStopped || (error instanceof DOMException && error.name === 'AbortError');
}

/**
 * Runs `work` under the policy; resolves with its result, or undefined when it was refused, cancelled or failed
 * (the status line says which). `outer` (the panel's own signal) cancels it too.
 */
export async function runLearning<T>(view: RunView, battery: BatteryMonitor, outer: AbortSignal, work: (signal: AbortSignal, onProgress: (progress: LearningProgress) => void) => Promise<T>): Promise<T | undefined> {
  const minLevel = await learningMinLevel();
  const verdict = learningAllowed(battery.state, minLevel);
  if (!verdict.ok) {
    view.status.textContent = verdict.reason;
    return undefined;
  }
  const run = learningRun(battery, minLevel);
  const cancel = () => run.controller.abort(new LearningStopped('Cancelled.'));
  const stopWithPanel = () => run.controller.abort(new LearningStopped('The project was closed, so learning stopped.'));
  outer.addEventListener('abort', stopWithPanel, { once: true });
  view.cancelButton.addEventListener('click', cancel);
  view.cancelButton.hidden = false;
  view.progress.hidden = false;
  view.progress.value = 0;
  view.status.dataset.state = 'running';
  try {
    const result = await work(run.controller.signal, ({ text, fraction }) => {
      view.status.textContent = verdict.note ? `${text} · ${verdict.note}` : text;
      if (fraction !== undefined) view.progress.value = fraction;
    });
    view.status.dataset.state = 'done';
    return result;
  } catch (error) {
    const reason: unknown = run.controller.signal.aborted ? run.controller.signal.reason : error;
    view.status.dataset.state = isCancellation(reason) ? 'cancelled' : 'failed';
    view.status.textContent = isCancellation(reason) ? (reason as Error).message : `Learning failed: ${describeApiError(error)}`;
    return undefined;
  } finally {
    run.release();
    outer.removeEventListener('abort', stopWithPanel);
    view.cancelButton.removeEventListener('click', cancel);
    view.cancelButton.hidden = true;
    view.progress.hidden = true;
  }
}
