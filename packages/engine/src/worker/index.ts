export { trainImageClassifierInWorker } from './train-in-worker.ts';
export type { TrainInWorkerOptions } from './train-in-worker.ts';
export type { TrainImageRequest, TrainImageResult } from './protocol.ts';
