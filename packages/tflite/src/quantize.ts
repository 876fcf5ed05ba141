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
import type { InterpreterInput } from './interpreter.ts';
import { ActivationStats, DEFAULT_RANGE_METHOD, type Range, type RangeMethod } from './activation-ranges.ts';

export type { Range, RangeMethod } from './activation-ranges.ts';

export const MIN_CALIBRATION_SAMPLES = 100;

export interface QuantizeInt8Options {
  /**
   * Representative model inputs, ≥ 100 samples drawn like real inputs (same preprocessing).
   * One input per sample for single-input models, or one array of inputs per sample. int32 model
   * inputs (token ids) take Int32Array or Float32Array ids; they stay int32 in the quantized model.
   */
  representativeData: readonly (InterpreterInput | readonly InterpreterInput[])[];
  /**
   * Type of the model's float inputs and outputs; the graph inside is int8 either way. Default
   * float32. Inputs of other types (int32 ids) are left alone.
   */
  io?: 'float32' | 'uint8';
  /**
   * Indices (in `model.operators`) of operators to keep in float32: a tail of the graph whose
   * consumers are all float too (e.g. an anomaly score computed from an int8 reconstruction).
   * Their int8 inputs are DEQUANTIZEd; a float model input is read as is (float32 I/O). Their
   * outputs stay float32 model outputs.
   */
  floatOperators?: readonly number[];
  /**
   * Activation ranges already calibrated on `representativeData` (e.g. by `calibrateLiteRt`, much
   * faster on large models); default: `calibrate` runs the reference interpreter.
   */
  ranges?: readonly (Range | undefined)[];
  /**
   * How `calibrate` turns the calibration values into each activation's int8 range when `ranges`
   * is not given: 'mse' (default) clips outliers where that lowers the expected squared error,
   * 'minmax' covers every value seen, 'percentile' clips at the 0.01 %/99.99 % quantiles.
   */
  rangeMethod?: RangeMethod;
  /**
   * Bias correction (default true): rounding a layer's weights to int8 shifts its output's mean per
   * channel by Σ Δw · E[input]; with the input's calibrated channel means (`Range.channelMeans`)
   * that shift is subtracted from the int32 bias of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED
   * (Nagel et al. 2019, "Data-Free Quantization", §4.2). Measured on the real MobileNetV2 in
   * bench/export/RESULTS.md.
   */
  biasCorrection?: boolean;
  /**
   * Measured output mean shifts to remove, per operator (index like `model.operators`; one value
   * per output channel of a CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED, undefined elsewhere):
   * subtracted from the float bias before it is rounded to int32, on top of `biasCorrection`.
   * `empiricalBiasShifts` (calibrate-litert.ts) measures them layer by layer in LiteRT.js.
   */
  biasShifts?: readonly (ArrayLike<number> | undefined)[];
}

/** One calibration sample as the model's inputs, each in its input's type (ids given as floats become Int32Array). */
export function sampleInputs(model: TfliteModel, sample: QuantizeInt8Options['representativeData'][number]): InterpreterInput[] {
  const list = sample instanceof Float32Array || sample instanceof Int32Array ? [sample] : [...sample];
  if (list.length !== model.inputs.length) throw new Error(`Calibration sample has ${list.length} inputs; the model takes ${model.inputs.length}`);
  return list.map((values, i) => {
    const dtype = model.tensors[model.inputs[i]].dtype;
    if (dtype === 'int32') return values instanceof Int32Array ? values : Int32Array.from(values);
    if (dtype === 'float32') {
      const floats = values instanceof Float32Array ? values : Float32Array.from(values);
      // int8 has no NaN or infinity, and one such value would silently spoil a range or a channel mean.
      const at = floats.findIndex((v) => !Number.isFinite(v));
      if (at >= 0) throw new Error(`Calibration sample: input ${i} holds ${floats[at]} at index ${at}; int8 ranges need finite values (drop or impute such samples)`);
      return floats;
    }
    throw new Error(`Model input ${i} is ${dtype}: only float32 and int32 inputs can be calibrated`);
  });
}

/** The int8 range (see `RangeMethod`) and channel means of every float activation tensor over the samples (index like `model.tensors`). */
export function calibrate(model: TfliteModel, samples: QuantizeInt8Options['representativeData'], method: RangeMethod = DEFAULT_RANGE_METHOD): (Range | undefined)[] {
  const stats = new ActivationStats(model);
  for (const sample of samples) {
    evaluateAll(model, sampleInputs(model, sample)).forEach((values, i) => {
      if (values && !model.tensors[i].data && model.tensors[i].dtype === 'float32') stats.add(i, values);
    });
  }
  return stats.ranges(method);
}

const perTensor = (scale: number, zeroPoint: number): Quantization => ({ scale: [scale], zeroPoint: [BigInt(zeroPoint)], quantizedDimension: 0 });

/** Asymmetric int8 parameters covering [min, max] and always 0 (so zero padding is exact). */
const MIN_ACTIVATION_RANGE = 1e-3;

export function int8Params({ min, max }: Range): Quantization {
  const lo = Math.min(min, 0);
  let hi = Math.max(max, 0);
  // A (nearly) constant-zero tensor, e.g. a dead ReLU channel group: a range of ~0 would give a scale of ~1e-9,
  // and the consumer's requantization multiplier (input scale · weight scale / output scale) would then exceed
  // what XNNPACK accepts ("failed to create XNNPACK runtime"). Values this small round to zero either way.
  if (hi - lo < MIN_ACTIVATION_RANGE) hi = lo + MIN_ACTIVATION_RANGE;
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
export function symmetricInt8(values: Float32Array, shape: number[], axis: number | undefined): { data: Int8Array; quantization: Quantization } {
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

export function int32Bias(values: Float32Array, scales: number[]): { data: Int32Array; quantization: Quantization } {
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
  const ranges = options.ranges ?? calibrate(model, samples, options.rangeMethod);
  const io = options.io ?? 'float32';

  const floatOps = new Set(options.floatOperators ?? []);
  const floatTensors = floatTail(model, floatOps);
  model.operators.forEach((op, n) => {
    if (FLOAT_ONLY.has(op.op) && !floatOps.has(n)) throw new Error(`quantizeInt8: ${op.op} (operator ${n}) has no int8 kernel in TFLite; list it and what follows it in floatOperators`);
  });

  // Activation parameters, in execution order so pass-through ops can copy their input's.
  const params = new Map<number, Quantization>();
  const rangeOf = (i: number): Range => ranges[i] ?? { min: 0, max: 0 };
  const isFloat = (i: number) => model.tensors[i].dtype === 'float32';
  for (const i of model.inputs) if (isFloat(i)) params.set(i, int8Params(rangeOf(i)));
  for (const [n, op] of model.operators.entries()) {
    if (floatOps.has(n)) continue;
    const out = op.outputs[0];
    const fixed = FIXED_OUTPUT[op.op];
    if (fixed) params.set(out, fixed);
    // The int8 GATHER kernel copies bytes: its output carries the table's parameters.
    else if (op.op === 'GATHER') params.set(out, tableParams(model, op.inputs[0], params));
    else if (KEEPS_INPUT_PARAMS.has(op.op)) params.set(out, params.get(op.inputs[0]) as Quantization);
    else if (op.op === 'CONCATENATION') params.set(out, int8Params(unionRange(op.inputs.map((i) => constantOrCalibratedRange(model, ranges, i)))));
    else params.set(out, int8Params(rangeOf(out)));
  }

  const tensors: TensorDef[] = model.tensors.map((t, i) =>
    t.data ? { ...t }
    : t.dtype !== 'float32' || floatTensors.has(i) ? { name: t.name, shape: [...t.shape], dtype: t.dtype }
    : { name: t.name, shape: [...t.shape], dtype: 'int8', quantization: params.get(i) },
  );
  const addTensor = (t: TensorDef) => tensors.push(t) - 1;
  const weightTensor = (index: number, axis: number | undefined) => {
    const t = model.tensors[index];
    const { data, quantization } = symmetricInt8(constantValues(t), t.shape, axis);
    return { index: addTensor({ name: t.name, shape: [...t.shape], dtype: 'int8', data: bytesOf(data), quantization }), quantization, data };
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

  // Model boundary: the original float (or uint8) tensors stay the I/O, converted inside; other
  // types (int32 token ids) are model inputs as they are.
  const prologue: OperatorDef[] = [];
  const epilogue: OperatorDef[] = [];
  const outerInput = new Map<number, number>();
  const inputs = model.inputs.map((index) => {
    if (!isFloat(index)) return index;
    const inner = tensors[index];
    const outer = addTensor(boundaryTensor(inner, io));
    inner.name = `${inner.name}/int8`;
    prologue.push({ op: 'QUANTIZE', inputs: [outer], outputs: [index], options: {} });
    outerInput.set(index, outer);
    return outer;
  });

  /** A float32 view of activation `index` for a float operator: the float model input itself, or a DEQUANTIZE of the int8 tensor. */
  const floatViews = new Map<number, number>();
  const floatView = (index: number, extra: OperatorDef[]) => {
    const outer = outerInput.get(index);
    if (outer !== undefined && io === 'float32') return outer;
    let view = floatViews.get(index);
    if (view === undefined) {
      view = addTensor({ name: `${model.tensors[index].name}/float`, shape: [...model.tensors[index].shape], dtype: 'float32' });
      floatViews.set(index, view);
      extra.push({ op: 'DEQUANTIZE', inputs: [index], outputs: [view], options: {} });
    }
    return view;
  };

  const operators: OperatorDef[] = model.operators.flatMap((op, n) => {
    const inputs = [...op.inputs];
    const before: OperatorDef[] = [];
    if (floatOps.has(n)) {
      op.inputs.forEach((index, position) => {
        if (index >= 0 && !model.tensors[index].data && isFloat(index) && !floatTensors.has(index)) inputs[position] = floatView(index, before);
      });
      return [...before, { ...op, inputs, outputs: [...op.outputs] } as OperatorDef];
    }
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
      const inputMeans = ranges[op.inputs[0]]?.channelMeans;
      if ((options.biasCorrection ?? true) && inputMeans) {
        const shift = weightRoundingShift(op.op, model.tensors[op.inputs[1]], weights.data, weights.quantization.scale, inputMeans);
        if (shift) values.forEach((v, c) => (values[c] = v - shift[c]));
      }
      const measured = options.biasShifts?.[n];
      if (measured) {
        if (measured.length !== values.length) throw new Error(`biasShifts[${n}] has ${measured.length} values; ${op.op} (operator ${n}) has ${values.length} output channels`);
        values.forEach((v, c) => (values[c] = v - measured[c]));
      }
      const bias = int32Bias(values, biasScales);
      inputs[2] = addTensor({ name: t?.name ?? `${tensors[op.outputs[0]].name}/bias`, shape: [values.length], dtype: 'int32', data: bytesOf(bias.data), quantization: bias.quantization });
    } else {
      op.inputs.forEach((index, position) => {
        const t = model.tensors[index];
        if (index >= 0 && t.data && t.dtype === 'float32') inputs[position] = activationConstant(index, op.op === 'GATHER' && position === 0 ? params.get(op.outputs[0]) : undefined);
        else if (index >= 0 && t.data && t.dtype !== 'int32') throw new Error(`quantizeInt8: ${op.op} reads constant "${t.name}" of type ${t.dtype}`);
      });
    }
    return [{ ...op, inputs, outputs: [...op.outputs] } as OperatorDef];
  });

  const outputs = model.outputs.map((index) => {
    if (!isFloat(index) || floatTensors.has(index)) return index;
    const inner = tensors[index];
    const outer = addTensor(boundaryTensor(inner, io));
    inner.name = `${inner.name}/int8`;
    epilogue.push({ op: io === 'float32' ? 'DEQUANTIZE' : 'QUANTIZE', inputs: [index], outputs: [outer], options: {} });
    return outer;
  });

  return { ...model, tensors: compact(tensors, [...prologue, ...operators, ...epilogue], inputs, outputs), operators: [...prologue, ...operators, ...epilogue], inputs, outputs };
}

/**
 * Expected change of each output channel's mean caused by rounding the weights:
 * Σ (w_q · scale − w) · E[input channel] over the channel's taps. Zero padding at the borders is
 * ignored (the mean of a padded tap is slightly smaller): a small overestimate on small feature
 * maps. Undefined when the means do not match the weights' input channels.
 */
function weightRoundingShift(op: 'CONV_2D' | 'DEPTHWISE_CONV_2D' | 'FULLY_CONNECTED', weights: TensorDef, quantized: Int8Array, scales: number[], inputMeans: readonly number[]): Float64Array | undefined {
  const float = constantValues(weights);
  const shape = weights.shape;
  const inputChannels = inputMeans.length;
  if (op === 'DEPTHWISE_CONV_2D') {
    // [1, kh, kw, out], out = in · depth multiplier
    const out = shape[3];
    if (out % inputChannels !== 0) return undefined;
    const multiplier = out / inputChannels;
    const shift = new Float64Array(out);
    float.forEach((w, k) => {
      const c = k % out;
      shift[c] += (quantized[k] * scales[scales.length === 1 ? 0 : c] - w) * inputMeans[Math.floor(c / multiplier)];
    });
    return shift;
  }
  // CONV_2D [out, kh, kw, in]; FULLY_CONNECTED [out, in]
  const out = shape[0];
  const perOutput = float.length / out;
  if (shape[shape.length - 1] !== inputChannels) return undefined;
  const shift = new Float64Array(out);
  float.forEach((w, k) => {
    const c = Math.floor(k / perOutput);
    shift[c] += (quantized[k] * scales[scales.length === 1 ? 0 : c] - w) * inputMeans[k % inputChannels];
  });
  return shift;
}

/** int8 parameters of a GATHER table: a constant's own range (asymmetric, per tensor), else its activation parameters. */
function tableParams(model: TfliteModel, index: number, params: Map<number, Quantization>): Quantization {
  const t = model.tensors[index];
  if (t.data) return int8Params(valuesRange(constantValues(t)));
  return params.get(index) as Quantization;
}

/** Ops TFLite's builtin resolver runs in float32 only (its DIV kernel takes float32, int32 and uint8). */
const FLOAT_ONLY: ReadonlySet<string> = new Set(['DIV']);

/**
 * Activations computed by the float operators; throws unless every reader of them is a float
 * operator too (or a model output): an int8 op after a float one would need requantizing.
 */
function floatTail(model: TfliteModel, floatOps: ReadonlySet<number>): Set<number> {
  for (const n of floatOps) if (!model.operators[n]) throw new Error(`floatOperators: no operator ${n} (the model has ${model.operators.length})`);
  const floats = new Set<number>([...floatOps].flatMap((n) => model.operators[n].outputs));
  model.operators.forEach((op, n) => {
    if (floatOps.has(n)) return;
    const read = op.inputs.find((i) => floats.has(i));
    if (read !== undefined) throw new Error(`floatOperators must form a float tail: ${op.op} (operator ${n}) reads "${model.tensors[read].name}", computed in float`);
  });
  return floats;
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
