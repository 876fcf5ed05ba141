/**
 * Schedulers decide, each time a trial finishes a rung (a resource level: epochs trained, or fraction of
 * the training data), whether it continues to the next rung. They are pure state machines: no clock, no
 * I/O, so a resumed search rebuilds one by replaying the stored rung results.
 */

export type RungDecision = 'promote' | 'prune' | 'complete';

export interface Scheduler {
  /** Resource of each rung, increasing; the last one is the full resource a trial may get. */
  readonly rungResources: readonly number[];
  /**
   * Records that `trialNumber` reached rung `rung` with `loss` (lower is better) and decides its fate.
   * Recording the same trial and rung again replaces the earlier loss (idempotent replay on resume).
   */
  recordRung(trialNumber: number, rung: number, loss: number): RungDecision;
}

/** No early stopping: every trial trains on the full `resource` in one rung. */
export function fullResource(resource: number): Scheduler {
  if (!(resource > 0)) throw new Error(`fullResource needs a positive resource, got ${resource}.`);
  return { rungResources: [resource], recordRung: () => 'complete' };
}
