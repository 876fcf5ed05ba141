// @offgrid/engine: training on TensorFlow.js (wasm backend) and TF.js → TFLite export.
// The names other packages, the benches and their tests use, with the option and result types of those
// functions; everything else stays inside the engine. Datasets from files: '@offgrid/engine/data'.

// Backends: wasm (with our training kernels), or WebGPU after a self-test
export { initWasmBackend } from './backend/init-wasm.ts';
export { chooseAccelerator, ACCELERATOR_REQUESTS, GRADIENT_TOLERANCE } from './accelerator/choose.ts';
export type { AcceleratorChoice, AcceleratorRequest, TrainingBackend } from './accelerator/choose.ts';
export { initWebGpuBackend } from './accelerator/webgpu.ts';
export { LOSE_DEVICE_ENV, WasmFallbackTrials, WEBGPU_FAILURE } from './accelerator/fallback.ts';
export type { AcceleratorFallback } from './accelerator/fallback.ts';

// Why a run failed, as a code that crosses threads and the wire (also '@offgrid/engine/failure', without TF.js)
export { TRAINING_FAILURES, TRAINING_FAILURE_CODES, TrainingFailure, trainingFailureCode } from './failure.ts';
export type { TrainingFailureCode } from './failure.ts';

// Model families: the architectures the search picks from, their spaces as plain data
export { MODEL_FAMILIES, getFamily } from './families/registry.ts';
export type { FamilyName } from './families/registry.ts';
export type { ModelFamily, SampleKind } from './families/family.ts';
export { defaultConfig } from './families/space.ts';
export type { Config, HyperParameter } from './families/space.ts';
export { TRAINING_SPACE } from './families/training-space.ts';

// Training in the calling thread
export { fit, weightedCrossEntropy } from './train/fit.ts';
export { createAdam } from './train/adam.ts';
export type { FitOptions, FitResult } from './train/fit.ts';
export { predictSamples } from './train/data.ts';
export type { TrainingData } from './train/data.ts';
export type { TrainingCheckpoint } from './train/checkpoint.ts';
export { groupedStratifiedSplit, stratifiedSplit } from './train/split.ts';

// Trials in worker threads (what the search runs)
export { trainInWorker } from './worker/trial.ts';
export type { TrialHandlers } from './worker/trial.ts';
export { localTrials, type TrialExecutor } from './worker/trial-executor.ts';
export { TrialPool, type TrialPoolOptions } from './worker/trial-pool.ts';
/** Starts a TypeScript worker entry (`workerData.entry`, an absolute file URL) with tsx registered: for other packages' workers. */
export { BOOTSTRAP_URL as WORKER_BOOTSTRAP_URL } from './worker/run-worker.ts';
export type { TrialProgress, TrialRequest, TrialResult } from './worker/trial-protocol.ts';

// Evaluation
export { classificationReport } from './eval/metrics.ts';
export type { ClassificationReport } from './eval/metrics.ts';

// Export to TFLite
export { exportTflite, exportTfliteModel, exportTfliteVariants, int8FloatOperators } from './export/export-tflite.ts';
export type { ExportOptions, Precision } from './export/export-tflite.ts';

// Transfer learning: frozen backbones, embeddings, heads
export { BACKBONES, loadBackbone } from './transfer/backbones.ts';
export type { BackboneInfo, BackboneName } from './transfer/backbones.ts';
export { backbonesDir, importBackbone, listBackbones } from './transfer/registry.ts';
export { composeClassifier, embedSamples, isTfliteBackbone } from './transfer/embed.ts';
export type { AnyBackbone } from './transfer/embed.ts';
export { trainTransferHead, transferHeadFamily, transferTrainerOptions } from './transfer/head.ts';
export { composeTfliteClassifier, composeTransferTflite } from './transfer/tflite-graph.ts';
export { backboneInfo, EMBED_STARTUP_SECONDS, embedImageFiles, imageFileKey } from './transfer/image-embed.ts';
export type { EmbedImageFilesOptions, EmbedImageFilesResult } from './transfer/image-embed.ts';
export { backboneImageSpec } from './transfer/image-embed-protocol.ts';
export { directoryEmbeddingCache } from './transfer/embed.ts';
export type { EmbeddingCache } from './transfer/embed.ts';

// Anomaly detection
export { scoreWithTflite, trainAnomalyDetector } from './anomaly/train.ts';
export type { AnomalyDetector, TrainAnomalyOptions } from './anomaly/train.ts';
export { trainAnomalyInWorker } from './anomaly/train-in-worker.ts';
export { auroc } from './anomaly/threshold.ts';

// Seeded randomness (from @offgrid/features, re-exported for the engine's callers)
export { createRandom, type Random } from './util/random.ts';
