/**
 * One call of the objective for one rung of one trial, turned into an outcome the driver can act on.
 * Everything that can go wrong inside the user's objective (throws, missing metrics, constraint
 * violations, stopping early at the deadline) is classified here.
 */
import type { CheckpointRef, Metrics } from '../storage/trial-storage.ts';
import { constraintViolations, missingConstrainedMetrics } from './constraints.ts';
import type { Constraints, Objective, TrialContext } from './search-types.ts';

export type RungOutcome =
  | { readonly kind: 'finished'; readonly metrics: Metrics }
  /** Stopped by the deadline or an abort before reaching the rung's resource. */
  | { readonly kind: 'interrupted' }
  | { readonly kind: 'infeasible'; readonly reason: string; readonly metrics?: Metrics }
  | { readonly kind: 'failed'; readonly error: string };

export interface ObjectiveCall {
  readonly objective: Objective<never>;
  readonly config: unknown;
  readonly trialNumber: number;
  readonly rung: number;
  readonly resource: number;
  readonly checkpoint?: CheckpointRef;
  readonly deadline: number;
  /** The search-wide signal (deadline, abort); the call gets its own child signal. */
  readonly searchSignal: AbortSignal;
  readonly metric: string;
  readonly constraints?: Constraints;
  /** Persists and announces a report; its promise is awaited before the outcome is returned. */
  readonly onReport: (step: number, metrics: Metrics) => Promise<void>;
  readonly onCheckpoint: (checkpoint: CheckpointRef) => Promise<void>;
  /** Wall time between consecutive reports, which the driver uses to avoid starting work it cannot finish. */
  readonly onEpochDuration: (ms: number) => void;
}

export async function callObjective(call: ObjectiveCall): Promise<RungOutcome> {
  const abort = new AbortController();
  const forwardAbort = () => abort.abort(call.searchSignal.reason);
  call.searchSignal.addEventListener('abort', forwardAbort, { once: true });
  if (call.searchSignal.aborted) forwardAbort();

  let infeasibleReason: string | undefined;
  let lastStep: number | undefined;
  let lastReportAt = Date.now();
  // Writes are chained so that storage sees reports in order even if the objective does not await them.
  let writes: Promise<void> = Promise.resolve();
  const enqueue = (write: () => Promise<void>): Promise<void> => (writes = writes.then(write));

  const ctx: TrialContext = {
    trialNumber: call.trialNumber,
    rung: call.rung,
    ...(call.checkpoint ? { checkpoint: call.checkpoint } : {}),
    deadline: call.deadline,
    signal: abort.signal,
    shouldStop: () => abort.signal.aborted,
    report(step, metrics) {
      const now = Date.now();
      call.onEpochDuration(now - lastReportAt);
      lastReportAt = now;
      lastStep = step;
      const violations = constraintViolations(call.constraints, metrics);
      if (violations.length > 0 && infeasibleReason === undefined) {
        infeasibleReason = violations.join('; ');
        abort.abort(new Error(`constraint violated: ${infeasibleReason}`));
      }
      return enqueue(() => call.onReport(step, metrics));
    },
    saveCheckpoint(ref, resource) {
      return enqueue(() => call.onCheckpoint({ ref, resource }));
    },
  };

  let metrics: Metrics | undefined;
  let thrown: unknown;
  let threw = false;
  try {
    metrics = await call.objective(call.config as never, call.resource, ctx);
  } catch (error) {
    threw = true;
    thrown = error;
  } finally {
    call.searchSignal.removeEventListener('abort', forwardAbort);
  }
  // Storage failures are the driver's problem, not the trial's: let them reject.
  await writes;

  if (infeasibleReason !== undefined) return { kind: 'infeasible', reason: infeasibleReason, ...(metrics ? { metrics } : {}) };
  if (threw) return abort.signal.aborted ? { kind: 'interrupted' } : { kind: 'failed', error: describeError(thrown) };
  // Reports show how far an objective got; one that reports nothing is taken at its word.
  if (abort.signal.aborted && lastStep !== undefined && lastStep < call.resource) return { kind: 'interrupted' };
  if (metrics === null || typeof metrics !== 'object') {
    return { kind: 'failed', error: `objective returned ${String(metrics)}; it must resolve to metrics such as { ${call.metric}: 0.9 }` };
  }
  const value = metrics[call.metric];
  if (typeof value !== 'number' || Number.isNaN(value)) {
    return { kind: 'failed', error: `objective returned no numeric "${call.metric}" (got keys ${JSON.stringify(Object.keys(metrics))}); did you forget to return the optimized metric?` };
  }
  const missing = missingConstrainedMetrics(call.constraints, metrics);
  if (missing.length > 0) return { kind: 'failed', error: `objective did not report constrained metric(s) ${missing.join(', ')}` };
  const violations = constraintViolations(call.constraints, metrics);
  if (violations.length > 0) return { kind: 'infeasible', reason: violations.join('; '), metrics };
  return { kind: 'finished', metrics };
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
