/**
 * TF.js LayersModel → TFLite bytes, through @offgrid/tflite: float32, float16 weights, or
 * full-integer int8, optionally with TFLite Metadata (labels, normalization) that MediaPipe's
 * ImageClassifier and the TFLite Task Library accept. The model's input batch is fixed to 1;
 * unsupported layers or options throw an UnsupportedLayerError naming the layer and its class
 * before any byte is produced.
 */
import type * as tf from '@tensorflow/tfjs';
import { calibrateLiteRt, imageClassifierMetadata, quantizeInt8, serializeModel, serializeWithMetadata, toFloat16Weights } from '@offgrid/tflite';
import type { InterpreterInput, TfliteModel } from '@offgrid/tflite';
import { lowerModel } from './walk.ts';
import { optimize } from './optimize.ts';
import { emitModel } from './emit.ts';

export type Precision = 'float32' | 'float16' | 'int8';

/**
 * Image-classifier metadata (MediaPipe ImageClassifier, Task Library); the model input must be
 * [1, H, W, 3] and the output [1, labels]. The pipeline writes the product's metadata for every
 * modality itself (`@offgrid/pipeline` model-files.ts), from the dataset.
 */
export interface ClassifierMetadataOptions {
  /** Model name in the metadata (default: the TF.js model's name). */
  name?: string;
  version?: string;
  author?: string;
  license?: string;
  /** Class names in output order (labels.txt, TENSOR_AXIS_LABELS). */
  labels: readonly string[];
  /** How pixels in [0, 255] become model inputs: (pixel - mean) / std. E.g. inputs in [0, 1]: mean 0, std 255. */
  normalization: { mean: number[]; std: number[] };
}

export interface ExportOptions {
  /** Stored as the TFLite model description (and the metadata description). */
  description?: string;
  /** Default float32. float16 stores weights as float16; int8 needs `representativeData`. */
  quantize?: Precision;
  /**
   * int8 only: ≥ 100 model inputs (batch 1, preprocessed like real inputs) to calibrate activation
   * ranges; token ids for text models (Float32Array or Int32Array).
   */
  representativeData?: readonly InterpreterInput[];
  /**
   * int8 only: what runs the float graph to calibrate activation ranges. 'interpreter' (default):
   * @offgrid/tflite's TypeScript reference interpreter, no runtime needed, fine for small nets
   * (MobileNetV2 224x224: ~1.3 s a sample). 'litert': LiteRT.js (~0.2 s a sample), same ranges.
   */
  calibration?: 'interpreter' | 'litert';
  /** int8 only: type of the model's input and output (default float32; LiteRT.js refuses int8 I/O). */
  io?: 'float32' | 'uint8';
  /** Embeds TFLite image-classifier Metadata and appends labels.txt. */
  metadata?: ClassifierMetadataOptions;
}

export type ExportVariants = Record<Precision, Uint8Array>;

/** The float32 TFLite graph of `model` (before precision and metadata): for callers that extend the graph, e.g. the anomaly score tail. */
export function lowerToTflite(model: tf.LayersModel, description = `Offgrid export of ${model.name}`): TfliteModel {
  const graph = lowerModel(model);
  optimize(graph);
  return emitModel(graph, description);
}

/**
 * Operators an int8 file keeps in float32. EmbeddingBag's weighted average (GATHER, MUL, MEAN, DIV by the sum of
 * the ids' weights) keeps everything after its lookups: TFLite has no int8 DIV, and a short text's average is a small fraction of
 * the MEAN's calibrated int8 range. The embedding table, nearly all of such a file, stays int8. Other models: none.
 */
export function int8FloatOperators(model: TfliteModel): number[] {
  if (!model.operators.some((op) => op.op === 'DIV')) return [];
  return model.operators.flatMap((op, n) => (op.op === 'GATHER' ? [] : [n]));
}

async function finish(model: TfliteModel, precision: Precision, options: ExportOptions, modelName: string): Promise<Uint8Array> {
  let converted = model;
  if (precision === 'float16') converted = toFloat16Weights(model);
  if (precision === 'int8') {
    const representativeData = options.representativeData;
    if (!representativeData) throw new Error('int8 export needs representativeData: ≥ 100 preprocessed model inputs (e.g. training images) to calibrate activation ranges');
    const ranges = options.calibration === 'litert' ? await calibrateLiteRt(model, representativeData) : undefined;
    converted = quantizeInt8(model, { representativeData, io: options.io, ranges, floatOperators: int8FloatOperators(model) });
  } else if (options.io === 'uint8') {
    throw new Error('io "uint8" applies to int8 exports only; pass quantize: "int8"');
  }
  if (!options.metadata) return serializeModel(converted);
  const outputShape = converted.tensors[converted.outputs[0]].shape;
  if (converted.outputs.length !== 1 || outputShape[outputShape.length - 1] !== options.metadata.labels.length) {
    throw new Error(`Metadata has ${options.metadata.labels.length} labels but the model output is [${outputShape}]`);
  }
  const { metadata, files } = imageClassifierMetadata({
    ...options.metadata,
    name: options.metadata.name ?? modelName,
    description: converted.description,
    inputShape: converted.tensors[converted.inputs[0]].shape,
    inputType: precision === 'int8' && options.io === 'uint8' ? 'uint8' : 'float32',
  });
  return serializeWithMetadata(converted, metadata, files);
}

/** Precision and metadata for a float32 TFLite graph built elsewhere (e.g. an imported .tflite backbone + a lowered head). */
export async function exportTfliteModel(model: TfliteModel, options: ExportOptions = {}): Promise<Uint8Array> {
  return finish(model, options.quantize ?? 'float32', options, model.name);
}

export async function exportTflite(model: tf.LayersModel, options: ExportOptions = {}): Promise<Uint8Array> {
  const description = options.description ?? `Offgrid export of ${model.name}`;
  return finish(lowerToTflite(model, description), options.quantize ?? 'float32', options, model.name);
}

/**
 * float32, float16 and int8 exports of one model, lowering it once (what the registry stores
 * side by side). `representativeData` is required for the int8 variant.
 */
export async function exportTfliteVariants(model: tf.LayersModel, options: Omit<ExportOptions, 'quantize'> & { representativeData: readonly InterpreterInput[] }): Promise<ExportVariants> {
  const description = options.description ?? `Offgrid export of ${model.name}`;
  const lowered = lowerToTflite(model, description);
  return {
    float32: await finish(lowered, 'float32', options, model.name),
    float16: await finish(lowered, 'float16', options, model.name),
    int8: await finish(lowered, 'int8', options, model.name),
  };
}
