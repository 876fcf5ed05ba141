import type { Direction, TrialRecord } from '../storage/trial-storage.ts';
import { lastRung, toLoss } from './observations.ts';
import type { LeaderboardEntry } from './search-types.ts';

/**
 * Feasible trials with a finished rung, best first: a result at a higher resource (a trial that survived
 * more rungs) outranks one at a lower resource, as in Hyperband; within a resource, the better metric wins.
 */
export function buildLeaderboard(trials: Iterable<TrialRecord>, metric: string, direction: Direction): LeaderboardEntry[] {
  const entries: LeaderboardEntry[] = [];
  for (const trial of trials) {
    if (trial.status === 'failed' || trial.status === 'infeasible') continue;
    const result = lastRung(trial);
    const value = result?.metrics[metric];
    if (result === undefined || value === undefined) continue;
    entries.push({ trialNumber: trial.number, config: trial.config, status: trial.status, value, resource: result.resource, metrics: result.metrics });
  }
  return entries.sort(
    (a, b) => b.resource - a.resource || toLoss(a.value, direction) - toLoss(b.value, direction) || a.trialNumber - b.trialNumber,
  );
}
