/** Learning-rate schedules, applied at epoch boundaries. */
export type LrSchedule =
  | { type: 'constant' }
  /**
   * Cosine decay from the base rate (first epoch) to `minLearningRate` (last planned epoch), after optional linear
   * warm-up. `epochs`: the epoch the decay ends at instead of the run's last (past it the rate stays at the minimum):
   * a search's short rungs then train at nearly the base rate, and only a run of that length decays all the way.
   */
  | { type: 'cosine'; minLearningRate?: number; warmupEpochs?: number; epochs?: number }
  /** Multiply by `factor` when validation loss has not improved by `minDelta` for `patience` epochs. */
  | { type: 'plateau'; factor?: number; patience?: number; minDelta?: number; minLearningRate?: number };

/** What a schedule carries from epoch to epoch (kept in checkpoints). */
export interface ScheduleState {
  learningRate: number;
  best: number;
  badEpochs: number;
}

export const PLATEAU_DEFAULTS = { factor: 0.5, patience: 2, minDelta: 1e-4, minLearningRate: 1e-6 } as const;

export function initialScheduleState(baseRate: number): ScheduleState {
  return { learningRate: baseRate, best: Infinity, badEpochs: 0 };
}

/** Rate for 1-based `epoch` of `plannedEpochs` (cosine and constant are pure functions of the epoch). */
export function rateForEpoch(schedule: LrSchedule | undefined, baseRate: number, epoch: number, plannedEpochs: number, state: ScheduleState): number {
  if (!schedule || schedule.type === 'constant') return baseRate;
  if (schedule.type === 'plateau') return state.learningRate;
  const min = schedule.minLearningRate ?? 0;
  const warmup = schedule.warmupEpochs ?? 0;
  if (epoch <= warmup) return (baseRate * epoch) / (warmup + 1);
  const span = Math.max(1, (schedule.epochs ?? plannedEpochs) - warmup - 1);
  const progress = Math.min(1, (epoch - 1 - warmup) / span);
  return min + ((baseRate - min) * (1 + Math.cos(Math.PI * progress))) / 2;
}

/** After an epoch: plateau schedules look at the monitored loss. Returns the new state. */
export function afterEpoch(schedule: LrSchedule | undefined, state: ScheduleState, monitored: number): ScheduleState {
  if (schedule?.type !== 'plateau') return state;
  const { factor, patience, minDelta, minLearningRate } = { ...PLATEAU_DEFAULTS, ...schedule };
  if (monitored < state.best - minDelta) return { ...state, best: monitored, badEpochs: 0 };
  const badEpochs = state.badEpochs + 1;
  if (badEpochs < patience) return { ...state, badEpochs };
  return { learningRate: Math.max(minLearningRate, state.learningRate * factor), best: state.best, badEpochs: 0 };
}
