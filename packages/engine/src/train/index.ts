export { trainImageClassifier, TRAIN_DEFAULTS } from './trainer.ts';
export type { ImageDataset, TrainOptions, TrainedImageClassifier, EpochMetrics } from './trainer.ts';
export type { TrainProgress, TrainerProgress } from './progress.ts';
export { stratifiedSplit } from './split.ts';
export type { TrainValidationSplit } from './split.ts';
