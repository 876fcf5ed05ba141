/**
 * Converts stored trials into what samplers and schedulers compare: a loss where lower is better.
 */
import type { ObservedTrial } from '../samplers/sampler.ts';
import type { Direction, RungResult, TrialRecord } from '../storage/trial-storage.ts';

export function toLoss(value: number, direction: Direction): number {
  return direction === 'minimize' ? value : -value;
}

export function lastRung(trial: TrialRecord): RungResult | undefined {
  return trial.rungResults.at(-1);
}

/**
 * The trials a sampler learns from: each with its latest rung result; infeasible trials as the worst
 * possible (so TPE learns to avoid, say, oversized models); failed ones are left out.
 */
export function observedTrials(trials: Iterable<TrialRecord>, metric: string, direction: Direction): ObservedTrial[] {
  const observed: ObservedTrial[] = [];
  for (const trial of trials) {
    if (trial.status === 'failed') continue;
    if (trial.status === 'infeasible') {
      observed.push({ number: trial.number, config: trial.config, loss: Infinity, resource: 0, feasible: false });
      continue;
    }
    const result = lastRung(trial);
    const value = result?.metrics[metric];
    if (result === undefined || value === undefined) continue;
    observed.push({ number: trial.number, config: trial.config, loss: toLoss(value, direction), resource: result.resource, feasible: true });
  }
  return observed;
}
