/**
 * The exported anomaly detector: one TFLite graph from raw features to the anomaly score.
 *   x [1, F] → SUB mean → MUL 1/std → autoencoder → reconstruction
 *   score [1, 1] = MEAN(((x − mean) / std − reconstruction)², axis 1)
 * The score tail (SUB, MUL, SQUARED_DIFFERENCE, MEAN) standardizes x again from the model input
 * itself. In the int8 variant the head and the autoencoder are int8 and the tail stays float32
 * (reading x as given and a DEQUANTIZEd reconstruction): int8 ranges are calibrated on normal data,
 * so an int8 input clips a spike and an int8 score saturates, exactly where anomalies are.
 * Measured in anomaly.test.ts (AUROC: int8 tail < float tail reading int8 x < float tail reading x).
 */
import type * as tf from '@tensorflow/tfjs';
import { anomalyDetectorMetadata, quantizeInt8, serializeWithMetadata } from '@offgrid/tflite';
import type { FeatureDescription, OperatorDef, TensorDef, TfliteModel } from '@offgrid/tflite';
import { lowerToTflite } from '../export/export-tflite.ts';

export interface Standardization {
  mean: Float32Array;
  /** Per-feature standard deviation (never 0: constant features get 1). */
  std: Float32Array;
}

const bytes = (a: Float32Array | Int32Array) => new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));

/** The float32 score graph; `tailOperators` are the indices of its score tail (kept float in int8). */
export function scoreModel(autoencoder: tf.LayersModel, standardization: Standardization, description: string): { model: TfliteModel; tailOperators: number[] } {
  const inner = lowerToTflite(autoencoder, description);
  const features = standardization.mean.length;
  const tensors: TensorDef[] = inner.tensors.map((t) => ({ ...t }));
  const add = (t: TensorDef) => tensors.push(t) - 1;
  const standardized = inner.inputs[0];
  const reconstruction = inner.outputs[0];
  tensors[standardized].name = 'standardized';
  const x = add({ name: 'features', shape: [1, features], dtype: 'float32' });
  const mean = add({ name: 'feature_mean', shape: [features], dtype: 'float32', data: bytes(standardization.mean) });
  const inverseStd = add({ name: 'feature_inverse_std', shape: [features], dtype: 'float32', data: bytes(standardization.std.map((s) => 1 / s)) });
  const centered = add({ name: 'centered', shape: [1, features], dtype: 'float32' });
  const centeredForScore = add({ name: 'score/centered', shape: [1, features], dtype: 'float32' });
  const standardizedForScore = add({ name: 'score/standardized', shape: [1, features], dtype: 'float32' });
  const squared = add({ name: 'squared_error', shape: [1, features], dtype: 'float32' });
  const axes = add({ name: 'feature_axis', shape: [1], dtype: 'int32', data: bytes(Int32Array.from([1])) });
  const score = add({ name: 'anomaly_score', shape: [1, 1], dtype: 'float32' });
  const head: OperatorDef[] = [
    { op: 'SUB', inputs: [x, mean], outputs: [centered], options: { activation: 'none' } },
    { op: 'MUL', inputs: [centered, inverseStd], outputs: [standardized], options: { activation: 'none' } },
  ];
  const tail: OperatorDef[] = [
    { op: 'SUB', inputs: [x, mean], outputs: [centeredForScore], options: { activation: 'none' } },
    { op: 'MUL', inputs: [centeredForScore, inverseStd], outputs: [standardizedForScore], options: { activation: 'none' } },
    { op: 'SQUARED_DIFFERENCE', inputs: [standardizedForScore, reconstruction], outputs: [squared], options: {} },
    { op: 'MEAN', inputs: [squared, axes], outputs: [score], options: { keepDims: true } },
  ];
  const operators = [...head, ...inner.operators, ...tail];
  return {
    model: { ...inner, tensors, operators, inputs: [x], outputs: [score] },
    tailOperators: tail.map((_, i) => operators.length - tail.length + i),
  };
}

export interface AnomalyExportOptions {
  /** ≥ 100 raw feature vectors of normal data to calibrate int8 ranges. */
  representativeData: readonly Float32Array[];
  /** How the int8 variant computes the score: 'float' (default, see above) or 'int8' (for measuring). */
  int8ScoreTail?: 'float' | 'int8';
}

export function quantizeScoreModel(model: TfliteModel, tailOperators: number[], options: AnomalyExportOptions): TfliteModel {
  const floatOperators = (options.int8ScoreTail ?? 'float') === 'float' ? tailOperators : [];
  return quantizeInt8(model, { representativeData: options.representativeData, floatOperators });
}

export interface AnomalyMetadataOptions {
  name: string;
  features: readonly FeatureDescription[];
  threshold: number;
  falseAlarmRate: number;
  version?: string;
  author?: string;
  license?: string;
}

/** Serializes a score model with anomaly-detector metadata (threshold as the output's ScoreThresholdingOptions). */
export function withAnomalyMetadata(model: TfliteModel, options: AnomalyMetadataOptions): Uint8Array {
  const { metadata, files } = anomalyDetectorMetadata({ ...options, description: model.description, inputShape: model.tensors[model.inputs[0]].shape });
  return serializeWithMetadata(model, metadata, files);
}
