/**
 * Graph surgery on parsed .tflite backbones: cut a classifier down to its feature tensor, and append a trained
 * TF.js head (lowered by the exporter) after it, so a .tflite backbone exports as one image classifier.
 */
import type * as tf from '@tensorflow/tfjs';
import { parseModel, type OperatorDef, type TfliteModel } from '@offgrid/tflite';
import { lowerToTflite } from '../export/export-tflite.ts';
import { isTfliteBackbone, type AnyBackbone, type TfliteBackbone } from './embed.ts';

/**
 * One float32 TFLite image classifier: the backbone's graph, then the head's operators reading its feature
 * tensor. Export it with `exportTfliteModel` (float32, float16 or int8, metadata). The head must take
 * [featureSize] vectors (a transfer head trained on `embedSamples` output).
 */
export function composeTfliteClassifier(backbone: TfliteBackbone, head: tf.LayersModel): TfliteModel {
  return appendHead(parseModel(backbone.bytes), lowerToTflite(head), backbone.info.name, head.name);
}

/**
 * Any backbone + a head already exported to float32 TFLite (a search trial's or retraining's file, trained on this
 * backbone's embeddings) as one float32 image classifier; a TF.js trunk is lowered by the exporter first.
 */
export function composeTransferTflite(backbone: AnyBackbone, head: TfliteModel): TfliteModel {
  const trunk = isTfliteBackbone(backbone) ? parseModel(backbone.bytes) : lowerToTflite(backbone.model, `${backbone.info.name} trunk`);
  return appendHead(trunk, head, backbone.info.name, head.name || 'transfer_head');
}

function appendHead(trunk: TfliteModel, head: TfliteModel, backboneName: string, headName: string): TfliteModel {
  const feature = trunk.outputs[0];
  const headInput = head.inputs[0];
  const [featureShape, inputShape] = [trunk.tensors[feature].shape, head.tensors[headInput].shape];
  if (featureShape.join() !== inputShape.join()) {
    throw new Error(`The head takes [${inputShape}] but backbone "${backboneName}" gives [${featureShape}]; train the head on this backbone's embeddings.`);
  }
  const offset = trunk.tensors.length;
  // The head's input tensor becomes the trunk's feature tensor; the head's other tensors follow the trunk's.
  const map = (i: number): number => (i < 0 ? i : i === headInput ? feature : offset + i - (i > headInput ? 1 : 0));
  return {
    description: `Offgrid transfer classifier: ${backboneName} + ${headName}`,
    name: `${backboneName}_classifier`,
    tensors: [...trunk.tensors, ...head.tensors.filter((_, i) => i !== headInput).map((t) => ({ ...t, name: `head/${t.name}` }))],
    operators: [...trunk.operators, ...head.operators.map((op) => ({ ...op, inputs: op.inputs.map(map), outputs: op.outputs.map(map) }) as OperatorDef)],
    inputs: [...trunk.inputs],
    outputs: head.outputs.map(map),
    metadata: [],
  };
}
