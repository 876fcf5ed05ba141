import { trainInWorker, type TrialHandlers } from './trial.ts';
import type { TrialRequest, TrialResult } from './trial-protocol.ts';

/**
 * Where a trial (or the winner's retraining) trains: the one seam between deciding what to train (the search,
 * on this machine) and the cores that train it. `localTrials` uses this machine's worker threads; a coordinator
 * swaps in one that queues the request for workers on other machines. Same request, same result either way.
 */
export interface TrialExecutor {
  train(request: TrialRequest, handlers?: TrialHandlers): Promise<TrialResult>;
}

/** Today's behaviour and the default: each trial in a worker thread of this process. */
export const localTrials: TrialExecutor = { train: trainInWorker };
