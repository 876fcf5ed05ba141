/**
 * A classifier's head as data: the last FULLY_CONNECTED before the output SOFTMAX. On-device learning and
 * federated rounds (docs/federated.md) train only this layer: the phone runs the **trunk** (the same graph
 * up to the head's input, the embedding) and its own head on top; the server writes an averaged head back
 * into both shipped files. Everything here works on the .tflite files themselves, so any registered model
 * can take part, whichever family or pipeline produced it.
 */
import type { OperatorDef, TensorDef, TfliteModel } from './model.ts';
import { constantValues } from './interpreter.ts';
import { pruneTensors } from './prune.ts';
import { int32Bias, int8Params, symmetricInt8, type Range } from './quantize.ts';

/** TFLite FULLY_CONNECTED layout: `weights` is [numClasses][inputSize], row-major. */
export interface ClassifierHead {
  inputSize: number;
  numClasses: number;
  weights: Float32Array;
  bias: Float32Array;
}

/** Where the head sits: operator index of the FULLY_CONNECTED, its input (the embedding) and output (logits). */
export interface HeadSite {
  operator: number;
  embedding: number;
  logits: number;
  weights: number;
  bias: number;
}

/**
 * Finds the head: model output ← [DEQUANTIZE ←] SOFTMAX ← FULLY_CONNECTED (no fused activation, with a
 * bias). Throws, saying why, for models without one (anomaly detectors, regressors).
 */
export function findClassifierHead(model: TfliteModel): HeadSite {
  if (model.outputs.length !== 1) throw new Error(`Not a classifier: the model has ${model.outputs.length} outputs (a classifier has one, the probabilities).`);
  const producer = (tensor: number) => model.operators.findIndex((op) => op.outputs.includes(tensor));
  let at = producer(model.outputs[0]);
  if (at >= 0 && model.operators[at].op === 'DEQUANTIZE') at = producer(model.operators[at].inputs[0]);
  if (at < 0 || model.operators[at].op !== 'SOFTMAX') throw new Error('Not a classifier: its output is not a SOFTMAX (on-device learning needs class probabilities).');
  const operator = producer(model.operators[at].inputs[0]);
  const fc = model.operators[operator];
  if (!fc || fc.op !== 'FULLY_CONNECTED') throw new Error('Not a classifier head: the SOFTMAX does not follow a FULLY_CONNECTED layer.');
  if (fc.options.activation !== 'none') throw new Error(`The head's FULLY_CONNECTED has a fused ${fc.options.activation}: it is not a plain linear head.`);
  const [embedding, weights, bias] = fc.inputs;
  if (bias === undefined || bias < 0) throw new Error('The head has no bias tensor.');
  if (!model.tensors[weights].data || !model.tensors[bias].data) throw new Error('The head\'s weights are not constants.');
  if (model.tensors[weights].shape.length !== 2) throw new Error(`The head's weights have shape [${model.tensors[weights].shape.join(', ')}], expected [classes, inputs].`);
  return { operator, embedding, logits: fc.outputs[0], weights, bias };
}

/** The head's weights and bias as floats (dequantized where the file is int8). */
export function readClassifierHead(model: TfliteModel): ClassifierHead {
  const site = findClassifierHead(model);
  const [numClasses, inputSize] = model.tensors[site.weights].shape;
  return { inputSize, numClasses, weights: dequantized(model.tensors[site.weights]), bias: dequantized(model.tensors[site.bias]) };
}

/**
 * A copy of `model` with `head` in place of its own. A float head is written as it is. An int8 head is
 * quantized like `quantizeInt8` does (weights symmetric per tensor, bias int32 at input·weight scale), and
 * its output (the logits) gets the parameters of `logitRange`: the trunk and every other tensor keep the
 * calibration of the original file, so only the layer that changed is requantized.
 */
export function withClassifierHead(model: TfliteModel, head: ClassifierHead, logitRange?: Range): TfliteModel {
  const site = findClassifierHead(model);
  const [numClasses, inputSize] = model.tensors[site.weights].shape;
  if (head.numClasses !== numClasses || head.inputSize !== inputSize) {
    throw new Error(`The head is ${head.numClasses}×${head.inputSize}; this model's is ${numClasses}×${inputSize} (same labels and trunk needed).`);
  }
  if (head.weights.length !== numClasses * inputSize || head.bias.length !== numClasses) throw new Error('The head\'s arrays do not match its sizes.');
  const tensors = model.tensors.map((t) => ({ ...t }));
  const weightTensor = tensors[site.weights];
  if (weightTensor.dtype === 'float32') {
    tensors[site.weights] = { ...weightTensor, data: bytesOf(Float32Array.from(head.weights)) };
    tensors[site.bias] = { ...tensors[site.bias], data: bytesOf(Float32Array.from(head.bias)) };
  } else if (weightTensor.dtype === 'int8') {
    const inputScale = tensors[site.embedding].quantization?.scale[0];
    if (inputScale === undefined) throw new Error('The int8 head\'s input has no quantization parameters.');
    if (!logitRange) throw new Error('An int8 head needs the range of its logits to quantize them: pass logitRange.');
    const weights = symmetricInt8(head.weights, [numClasses, inputSize], undefined);
    const bias = int32Bias(head.bias, weights.quantization.scale.map((s) => s * inputScale));
    tensors[site.weights] = { ...weightTensor, data: bytesOf(weights.data), quantization: weights.quantization };
    tensors[site.bias] = { ...tensors[site.bias], data: bytesOf(bias.data), quantization: bias.quantization };
    tensors[site.logits] = { ...tensors[site.logits], quantization: int8Params(logitRange) };
  } else {
    throw new Error(`The head's weights are ${weightTensor.dtype}; only float32 and int8 heads can be replaced.`);
  }
  return { ...model, tensors };
}

/** The float range of the logits as `model` quantized them (undefined in a float file). */
export function logitRangeOf(model: TfliteModel): Range | undefined {
  const q = model.tensors[findClassifierHead(model).logits].quantization;
  if (!q) return undefined;
  const [scale, zeroPoint] = [q.scale[0], Number(q.zeroPoint[0])];
  return { min: (-128 - zeroPoint) * scale, max: (127 - zeroPoint) * scale };
}

/**
 * The trunk: the same graph with the embedding (the head's input) as its float32 output, without the head
 * and without metadata. An int8 trunk ends in a DEQUANTIZE. Unused tensors are dropped, so the file holds
 * only what the trunk runs.
 */
export function classifierTrunk(model: TfliteModel): TfliteModel {
  const site = findClassifierHead(model);
  const operators: OperatorDef[] = model.operators.slice(0, site.operator).map((op) => ({ ...op, inputs: [...op.inputs], outputs: [...op.outputs] }) as OperatorDef);
  const tensors: TensorDef[] = [...model.tensors];
  let output = site.embedding;
  if (tensors[output].dtype !== 'float32') {
    const source = tensors[output];
    output = tensors.push({ name: `${source.name}/float`, shape: [...source.shape], dtype: 'float32' }) - 1;
    operators.push({ op: 'DEQUANTIZE', inputs: [site.embedding], outputs: [output], options: {} });
  }
  if (model.inputs.includes(output)) {
    // The head reads the model's input (a logistic regression, e.g. on table rows): the trunk is the identity. A
    // graph whose output is its input gives no values in LiteRT, so one RESHAPE to the same shape copies it.
    const source = tensors[output];
    const copy = tensors.push({ name: `${source.name}/embedding`, shape: [...source.shape], dtype: 'float32' }) - 1;
    operators.push({ op: 'RESHAPE', inputs: [output], outputs: [copy], options: { newShape: [...source.shape] } });
    output = copy;
  }
  return pruneTensors({ ...model, description: `${model.description} (trunk: embedding output)`, tensors, operators, outputs: [output], metadata: [] });
}

/** Float values of a constant: int8 weights come dequantized from `constantValues`; an int32 bias needs its scale. */
function dequantized(t: TensorDef): Float32Array {
  const values = constantValues(t);
  const scale = t.quantization?.scale;
  if (t.dtype !== 'int32' || !scale) return values;
  return values.map((v, c) => v * scale[scale.length === 1 ? 0 : c]);
}

const bytesOf = (a: Float32Array | Int8Array | Int32Array) => new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
