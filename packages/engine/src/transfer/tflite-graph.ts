/**
 * Graph surgery on parsed .tflite backbones: cut a classifier down to its feature tensor, and append a trained
 * TF.js head (lowered by the exporter) after it, so a .tflite backbone exports as one image classifier.
 */
import type * as tf from '@tensorflow/tfjs';
import { parseModel, type OperatorDef, type TfliteModel } from '@offgrid/tflite';
import { lowerToTflite } from '../export/export-tflite.ts';
import type { TfliteBackbone } from './embed.ts';

/**
 * One float32 TFLite image classifier: the backbone's graph, then the head's operators reading its feature
 * tensor. Export it with `exportTfliteModel` (float32, float16 or int8, metadata). The head must take
 * [featureSize] vectors (a transfer head trained on `embedSamples` output).
 */
export function composeTfliteClassifier(backbone: TfliteBackbone, head: tf.LayersModel): TfliteModel {
  const trunk = parseModel(backbone.bytes);
  const lowered = lowerToTflite(head);
  const feature = trunk.outputs[0];
  const headInput = lowered.inputs[0];
  const [featureShape, inputShape] = [trunk.tensors[feature].shape, lowered.tensors[headInput].shape];
  if (featureShape.join() !== inputShape.join()) {
    throw new Error(`The head takes [${inputShape}] but backbone "${backbone.info.name}" gives [${featureShape}]; train the head on this backbone's embeddings.`);
  }
  const offset = trunk.tensors.length;
  // The head's input tensor becomes the trunk's feature tensor; the head's other tensors follow the trunk's.
  const map = (i: number): number => (i < 0 ? i : i === headInput ? feature : offset + i - (i > headInput ? 1 : 0));
  return {
    description: `Offgrid transfer classifier: ${backbone.info.name} + ${head.name}`,
    name: `${backbone.info.name}_classifier`,
    tensors: [...trunk.tensors, ...lowered.tensors.filter((_, i) => i !== headInput).map((t) => ({ ...t, name: `head/${t.name}` }))],
    operators: [...trunk.operators, ...lowered.operators.map((op) => ({ ...op, inputs: op.inputs.map(map), outputs: op.outputs.map(map) }) as OperatorDef)],
    inputs: [...trunk.inputs],
    outputs: lowered.outputs.map(map),
    metadata: [],
  };
}
