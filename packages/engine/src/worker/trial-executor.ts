import { TrialPool } from './trial-pool.ts';
import type { TrialHandlers } from './trial.ts';
import type { TrialRequest, TrialResult } from './trial-protocol.ts';

/**
 * Where a trial (or the winner's retraining) trains: the one seam between deciding what to train (the search,
 * on this machine) and the cores that train it. `localTrials` uses this machine's worker threads; a coordinator
 * swaps in one that queues the request for workers on other machines. Same request, same result either way.
 */
export interface TrialExecutor {
  train(request: TrialRequest, handlers?: TrialHandlers): Promise<TrialResult>;
  /** Lets go of what it holds between trials (warm worker threads); it may still train afterwards. */
  close?(): Promise<void>;
}

/**
 * The default: trials in worker threads of this process, kept warm for the next trial (a TrialPool with one idle
 * worker per core at most, closed after 20 s idle). Whoever runs many searches in one process may prefer a pool of
 * their own, closed when done, as the pipeline does.
 */
export const localTrials: TrialExecutor & { close(): Promise<void> } = new TrialPool();
