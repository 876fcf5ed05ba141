/**
 * TF.js LayersModel → TFLite float32 bytes, through @offgrid/tflite. The model's input batch is
 * fixed to 1; unsupported layers or options throw an UnsupportedLayerError naming the layer
 * and its class before any byte is produced.
 */
import type * as tf from '@tensorflow/tfjs';
import { lowerModel } from './walk.ts';
import { optimize } from './optimize.ts';
import { emitTflite } from './emit.ts';

export { UnsupportedLayerError } from './errors.ts';
export { LAYER_CONVERTERS } from './layers.ts';

export interface ExportOptions {
  /** Stored as the TFLite model description. */
  description?: string;
}

export async function exportTflite(model: tf.LayersModel, options: ExportOptions = {}): Promise<Uint8Array> {
  const graph = lowerModel(model);
  optimize(graph);
  return emitTflite(graph, options.description ?? `Offgrid export of ${model.name}`);
}
