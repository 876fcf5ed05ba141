/**
 * Full-integer int8 post-training quantization of a float32 model, following TFLite's int8
 * spec (tensorflow/lite quantization_spec): weights symmetric int8 (per channel for conv axis 0
 * and depthwise axis 3, per tensor for fully connected), zero point 0; bias int32 with
 * scale = input_scale · weight_scale; activations asymmetric int8 with ranges calibrated by
 * running the float graph on a representative dataset (our reference interpreter). Model I/O
 * stays float32 (QUANTIZE first, DEQUANTIZE last: LiteRT.js refuses int8 I/O) or uint8.
 */
import type { OperatorDef, Quantization, TensorDef, TfliteModel } from './model.ts';
import type { OpName } from './ops.ts';
import { constantValues, evaluateAll } from './interpreter.ts';

export const MIN_CALIBRATION_SAMPLES = 100;

export interface QuantizeInt8Options {
  /**
   * Representative model inputs, ≥ 100 samples drawn like real inputs (same preprocessing).
   * One Float32Array per sample for single-input models, or one array of inputs per sample.
   */
  representativeData: readonly (Float32Array | readonly Float32Array[])[];
  /** Type of the model's inputs and outputs; the graph inside is int8 either way. Default float32. */
  io?: 'float32' | 'uint8';
  /**
   * Activation ranges already calibrated on `representativeData` (e.g. by `calibrateLiteRt`, much
   * faster on large models); default: `calibrate` runs the reference interpreter.
   */
  ranges?: readonly (Range | undefined)[];
}

export interface Range {
  min: number;
  max: number;
}

/** Min/max of every float activation tensor over the samples (index like `model.tensors`). */
export function calibrate(model: TfliteModel, samples: QuantizeInt8Options['representativeData']): (Range | undefined)[] {
  const ranges: (Range | undefined)[] = model.tensors.map(() => undefined);
  for (const sample of samples) {
    const inputs = sample instanceof Float32Array ? [sample] : [...sample];
    evaluateAll(model, inputs).forEach((values, i) => {
      if (!values || model.tensors[i].data) return;
      const range = (ranges[i] ??= { min: Infinity, max: -Infinity });
      for (const v of values) {
        if (v < range.min) range.min = v;
        if (v > range.max) range.max = v;
      }
    });
  }
  return ranges;
}

const perTensor = (scale: number, zeroPoint: number): Quantization => ({ scale: [scale], zeroPoint: [BigInt(zeroPoint)], quantizedDimension: 0 });

/** Asymmetric int8 parameters covering [min, max] and always 0 (so zero padding is exact). */
export function int8Params({ min, max }: Range): Quantization {
  const lo = Math.min(min, 0);
  let hi = Math.max(max, 0);
  if (hi - lo < 1e-12) hi = lo + 1e-6; // constant-zero tensor: any positive scale will do
  const scale = (hi - lo) / 255;
  const zeroPoint = Math.max(-128, Math.min(127, Math.round(-128 - lo / scale)));
  return perTensor(scale, zeroPoint);
}

/** Output parameters TFLite's int8 kernels require, whatever the calibration says. */
const FIXED_OUTPUT: Partial<Record<OpName, Quantization>> = {
  SOFTMAX: perTensor(1 / 256, -128),
  LOGISTIC: perTensor(1 / 256, -128),
  TANH: perTensor(1 / 128, 0),
};

/** Ops whose int8 kernels require the output to keep the input's scale and zero point. */
const KEEPS_INPUT_PARAMS = new Set<OpName>(['MAX_POOL_2D', 'AVERAGE_POOL_2D', 'RESHAPE', 'PAD', 'REDUCE_MAX']);

/** Weight quantization: per channel along `axis`, or per tensor when `axis` is undefined. */
function symmetricInt8(values: Float32Array, shape: number[], axis: number | undefined): { data: Int8Array; quantization: Quantization } {
  const channels = axis === undefined ? 1 : shape[axis];
  const inner = axis === undefined ? values.length : shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const channelOf = (i: number) => (channels === 1 ? 0 : Math.floor(i / inner) % channels);
  const maxAbs = new Float64Array(channels);
  values.forEach((v, i) => {
    const c = channelOf(i);
    maxAbs[c] = Math.max(maxAbs[c], Math.abs(v));
  });
  // An all-zero channel still needs a positive scale (kernels divide by it).
  const scale = Array.from(maxAbs, (m) => (m > 0 ? m / 127 : 1));
  const data = Int8Array.from(values, (v, i) => Math.max(-127, Math.min(127, Math.round(v / scale[channelOf(i)]))));
  return { data, quantization: { scale, zeroPoint: scale.map(() => 0n), quantizedDimension: axis ?? 0 } };
}

function int32Bias(values: Float32Array, scales: number[]): { data: Int32Array; quantization: Quantization } {
  const data = Int32Array.from(values, (v, c) => {
    const q = Math.round(v / scales[scales.length === 1 ? 0 : c]);
    return Math.max(-2147483647, Math.min(2147483647, q));
  });
  return { data, quantization: { scale: scales, zeroPoint: scales.map(() => 0n), quantizedDimension: 0 } };
}

const bytesOf = (a: Int8Array | Int32Array | Uint8Array) => new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));

/** Returns an int8 copy of the float32 `model`; throws if calibration data is missing or short. */
export function quantizeInt8(model: TfliteModel, options: QuantizeInt8Options): TfliteModel {
  const samples = options.representativeData;
  if (samples.length < MIN_CALIBRATION_SAMPLES) {
    throw new Error(`int8 quantization needs at least ${MIN_CALIBRATION_SAMPLES} representative samples to calibrate activation ranges (got ${samples.length}); pass more of your training inputs`);
  }
  for (const op of model.operators) {
    if (op.op === 'QUANTIZE' || op.op === 'DEQUANTIZE') throw new Error(`quantizeInt8 expects a float32 model; found ${op.op} (export float32 first, then quantize)`);
  }
  if (options.ranges && options.ranges.length !== model.tensors.length) {
    throw new Error(`quantizeInt8: ${options.ranges.length} calibrated ranges for ${model.tensors.length} tensors (calibrate this very model)`);
  }
  const ranges = options.ranges ?? calibrate(model, samples);
  const io = options.io ?? 'float32';

  // Activation parameters, in execution order so pass-through ops can copy their input's.
  const params = new Map<number, Quantization>();
  const rangeOf = (i: number): Range => ranges[i] ?? { min: 0, max: 0 };
  for (const i of model.inputs) params.set(i, int8Params(rangeOf(i)));
  for (const op of model.operators) {
    const out = op.outputs[0];
    const fixed = FIXED_OUTPUT[op.op];
    if (fixed) params.set(out, fixed);
    else if (KEEPS_INPUT_PARAMS.has(op.op)) params.set(out, params.get(op.inputs[0]) as Quantization);
    else if (op.op === 'CONCATENATION') params.set(out, int8Params(unionRange(op.inputs.map((i) => constantOrCalibratedRange(model, ranges, i)))));
    else params.set(out, int8Params(rangeOf(out)));
  }

  const tensors: TensorDef[] = model.tensors.map((t, i) =>
    t.data ? { ...t } : { name: t.name, shape: [...t.shape], dtype: t.dtype === 'float32' ? 'int8' : t.dtype, quantization: params.get(i) },
  );
  const addTensor = (t: TensorDef) => tensors.push(t) - 1;
  const weightTensor = (index: number, axis: number | undefined) => {
    const t = model.tensors[index];
    const { data, quantization } = symmetricInt8(constantValues(t), t.shape, axis);
    return { index: addTensor({ name: t.name, shape: [...t.shape], dtype: 'int8', data: bytesOf(data), quantization }), quantization };
  };
  /**
   * Float constants read by activation ops (ADD/MUL/CONCATENATION operands): asymmetric per
   * tensor, with their own range or with the parameters the op requires.
   */
  const activationConstant = (index: number, required?: Quantization) => {
    const t = model.tensors[index];
    const values = constantValues(t);
    const quantization = required ?? int8Params(valuesRange(values));
    const [scale, zeroPoint] = [quantization.scale[0], Number(quantization.zeroPoint[0])];
    const data = Int8Array.from(values, (v) => Math.max(-128, Math.min(127, Math.round(v / scale) + zeroPoint)));
    return addTensor({ name: t.name, shape: [...t.shape], dtype: 'int8', data: bytesOf(data), quantization });
  };

  /**
   * TFLite's int8 CONCATENATION copies bytes: every input must carry the output's scale and zero
   * point. Inputs calibrated otherwise are requantized (QUANTIZE int8 → int8) just before it.
   */
  const requantized = (index: number, target: Quantization, extra: OperatorDef[]) => {
    const source = tensors[index];
    if (sameParams(source.quantization, target)) return index;
    const copy = addTensor({ name: `${source.name}/requantized`, shape: [...source.shape], dtype: 'int8', quantization: target });
    extra.push({ op: 'QUANTIZE', inputs: [index], outputs: [copy], options: {} });
    return copy;
  };

  const operators: OperatorDef[] = model.operators.flatMap((op) => {
    const inputs = [...op.inputs];
    const before: OperatorDef[] = [];
    if (op.op === 'CONCATENATION') {
      const target = params.get(op.outputs[0]) as Quantization;
      op.inputs.forEach((index, position) => {
        inputs[position] = model.tensors[index].data ? activationConstant(index, target) : requantized(index, target, before);
      });
      return [...before, { ...op, inputs, outputs: [...op.outputs] } as OperatorDef];
    }
    if (op.op === 'CONV_2D' || op.op === 'DEPTHWISE_CONV_2D' || op.op === 'FULLY_CONNECTED') {
      const axis = op.op === 'CONV_2D' ? 0 : op.op === 'DEPTHWISE_CONV_2D' ? 3 : undefined;
      const weights = weightTensor(op.inputs[1], axis);
      inputs[1] = weights.index;
      const inputScale = (params.get(op.inputs[0]) as Quantization).scale[0];
      const biasScales = weights.quantization.scale.map((s) => s * inputScale);
      const biasIndex = op.inputs[2];
      const t = biasIndex >= 0 ? model.tensors[biasIndex] : undefined;
      // XNNPACK and TFLite accept a missing bias; an explicit zero bias keeps the graph uniform.
      const values = t ? constantValues(t) : new Float32Array(op.op === 'DEPTHWISE_CONV_2D' ? model.tensors[op.inputs[1]].shape[3] : model.tensors[op.inputs[1]].shape[0]);
      const bias = int32Bias(values, biasScales);
      inputs[2] = addTensor({ name: t?.name ?? `${tensors[op.outputs[0]].name}/bias`, shape: [values.length], dtype: 'int32', data: bytesOf(bias.data), quantization: bias.quantization });
    } else {
      op.inputs.forEach((index, position) => {
        const t = model.tensors[index];
        if (index >= 0 && t.data && t.dtype === 'float32') inputs[position] = activationConstant(index);
        else if (index >= 0 && t.data && t.dtype !== 'int32') throw new Error(`quantizeInt8: ${op.op} reads constant "${t.name}" of type ${t.dtype}`);
      });
    }
    return [{ ...op, inputs, outputs: [...op.outputs] } as OperatorDef];
  });

  // Model boundary: the original float (or uint8) tensors stay the I/O, converted inside.
  const prologue: OperatorDef[] = [];
  const epilogue: OperatorDef[] = [];
  const inputs = model.inputs.map((index) => {
    const inner = tensors[index];
    const outer = addTensor(boundaryTensor(inner, io));
    inner.name = `${inner.name}/int8`;
    prologue.push({ op: 'QUANTIZE', inputs: [outer], outputs: [index], options: {} });
    return outer;
  });
  const outputs = model.outputs.map((index) => {
    const inner = tensors[index];
    const outer = addTensor(boundaryTensor(inner, io));
    inner.name = `${inner.name}/int8`;
    epilogue.push({ op: io === 'float32' ? 'DEQUANTIZE' : 'QUANTIZE', inputs: [index], outputs: [outer], options: {} });
    return outer;
  });

  return { ...model, tensors: compact(tensors, [...prologue, ...operators, ...epilogue], inputs, outputs), operators: [...prologue, ...operators, ...epilogue], inputs, outputs };
}

function valuesRange(values: Float32Array): Range {
  let [min, max] = [Infinity, -Infinity];
  for (const v of values) [min, max] = [Math.min(min, v), Math.max(max, v)];
  return { min, max };
}

function unionRange(ranges: Range[]): Range {
  return { min: Math.min(...ranges.map((r) => r.min)), max: Math.max(...ranges.map((r) => r.max)) };
}

function constantOrCalibratedRange(model: TfliteModel, ranges: readonly (Range | undefined)[], index: number): Range {
  const t = model.tensors[index];
  return t.data ? valuesRange(constantValues(t)) : (ranges[index] ?? { min: 0, max: 0 });
}

function sameParams(a: Quantization | undefined, b: Quantization): boolean {
  return !!a && a.scale.length === 1 && a.scale[0] === b.scale[0] && a.zeroPoint[0] === b.zeroPoint[0];
}

/** The model-facing twin of an int8 boundary tensor: float32, or uint8 with zero point + 128. */
function boundaryTensor(inner: TensorDef, io: 'float32' | 'uint8'): TensorDef {
  const q = inner.quantization as Quantization;
  if (io === 'float32') return { name: inner.name, shape: [...inner.shape], dtype: 'float32' };
  return { name: inner.name, shape: [...inner.shape], dtype: 'uint8', quantization: perTensor(q.scale[0], Number(q.zeroPoint[0]) + 128) };
}

/**
 * Drops tensors nothing references (the float weights replaced by int8 ones) and renumbers the
 * rest; mutates the operator and I/O index lists to match.
 */
function compact(tensors: TensorDef[], operators: OperatorDef[], inputs: number[], outputs: number[]): TensorDef[] {
  const used = new Set<number>([...inputs, ...outputs]);
  for (const op of operators) [...op.inputs, ...op.outputs].forEach((i) => i >= 0 && used.add(i));
  const order = [...used].sort((a, b) => a - b);
  const renumber = new Map(order.map((old, i) => [old, i]));
  const remap = (list: number[]) => list.forEach((old, i) => (list[i] = old < 0 ? old : (renumber.get(old) as number)));
  for (const op of operators) {
    remap(op.inputs);
    remap(op.outputs);
  }
  remap(inputs);
  remap(outputs);
  return order.map((i) => tensors[i]);
}
