export { trainImageClassifierInWorker } from './train-in-worker.ts';
export type { TrainInWorkerOptions } from './train-in-worker.ts';
export type { TrainImageRequest, TrainImageResult } from './protocol.ts';
export { trainInWorker } from './trial.ts';
export type { TrialHandlers } from './trial.ts';
export type { TrialProgress, TrialRequest, TrialResult } from './trial-protocol.ts';
