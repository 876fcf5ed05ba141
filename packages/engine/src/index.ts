// @offgrid/engine: training on TensorFlow.js (wasm backend) and TF.js → TFLite export.
export * from './backend/index.ts';
export * from './models/index.ts';
export * from './train/index.ts';
export * from './worker/index.ts';
export * from './export/index.ts';
