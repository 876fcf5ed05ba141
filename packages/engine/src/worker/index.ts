export { trainInWorker } from './trial.ts';
export type { TrialHandlers } from './trial.ts';
export { localTrials, type TrialExecutor } from './trial-executor.ts';
export type { TrialProgress, TrialRequest, TrialResult } from './trial-protocol.ts';
