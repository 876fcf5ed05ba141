export { trainInWorker } from './trial.ts';
export type { TrialHandlers } from './trial.ts';
export type { TrialProgress, TrialRequest, TrialResult } from './trial-protocol.ts';
