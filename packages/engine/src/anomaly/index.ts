export { trainAnomalyDetector, scoreWithTflite, MIN_NORMAL_SAMPLES } from './train.ts';
export type { AnomalyDetector, TrainAnomalyOptions } from './train.ts';
export { AUTOENCODER_SPACE, buildAutoencoder } from './autoencoder.ts';
export { calibrateThreshold, scoreStats, auroc } from './threshold.ts';
export type { ScoreStats } from './threshold.ts';
export { scoreModel, quantizeScoreModel, withAnomalyMetadata } from './score-model.ts';
export type { Standardization, AnomalyExportOptions, AnomalyMetadataOptions } from './score-model.ts';
export { trainAnomalyInWorker } from './train-in-worker.ts';
