// @offgrid/engine: training on TensorFlow.js (wasm backend) and TF.js → TFLite export.
export * from './accelerator/index.ts';
export * from './backend/index.ts';
export * from './models/index.ts';
export * from './families/index.ts';
export * from './train/index.ts';
export * from './eval/index.ts';
export * from './transfer/index.ts';
export * from './worker/index.ts';
export * from './export/index.ts';
export * from './anomaly/index.ts';
export * from './data/index.ts';
export { createRandom, type Random } from './util/random.ts';
