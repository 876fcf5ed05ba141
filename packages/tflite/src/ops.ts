/**
 * The operator table: one entry per supported TFLite builtin op, holding its builtin code, its
 * options encoder/decoder and its output-shape rule. Adding an op means adding one entry here.
 */
import type { Builder, Offset } from 'flatbuffers';
import { ACTIVATION, BUILTIN_OPTIONS, PADDING, keyOf } from './schema.ts';
import type { Activation, DType, Padding } from './schema.ts';
import { int32Vector } from './fb.ts';
import type { Table } from './fb.ts';
import type { TensorDef } from './model.ts';

interface OptionsCodec<O> {
  /** Position in `union BuiltinOptions`. */
  type: number;
  encode(b: Builder, options: O): Offset;
  decode(table: Table | undefined): O;
}

export interface OpSpec<O> {
  /** `enum BuiltinOperator` value. */
  code: number;
  /** OperatorCode.version: the lowest kernel version that understands what we write (float). */
  version: number;
  /**
   * Version for other tensor types, keyed by the first input's type (int8 kernels are newer
   * versions in TFLite's op_version.cc); absent types use `version`.
   */
  versionByInputType?: Partial<Record<DType, number>>;
  /** Defaults the graph builder merges under the caller's options. */
  defaults: O;
  /** Absent: the op has no options table (BuiltinOptions NONE). */
  codec?: OptionsCodec<O>;
  outputShape(inputs: readonly TensorDef[], options: O): number[];
}

type NoOptions = Record<string, never>;

export interface ConvOptions {
  padding: Padding; strideH: number; strideW: number; dilationH: number; dilationW: number; activation: Activation;
}
export interface DepthwiseConvOptions extends ConvOptions { depthMultiplier: number }
export interface FullyConnectedOptions { activation: Activation; keepNumDims: boolean }
export interface PoolOptions {
  padding: Padding; strideH: number; strideW: number; filterH: number; filterW: number; activation: Activation;
}
export interface ReducerOptions { keepDims: boolean }
/** `newShape` empty: the shape comes from the op's second input. */
export interface ReshapeOptions { newShape: number[] }
export interface SoftmaxOptions { beta: number }
export interface ActivationOnlyOptions { activation: Activation }
export interface ConcatenationOptions { axis: number; activation: Activation }
export interface GatherOptions { axis: number; batchDims: number }

const activationOf = (t: Table | undefined, id: number): Activation =>
  keyOf(ACTIVATION, t?.int8(id) ?? 0, 'activation') as Activation;
const paddingOf = (t: Table | undefined): Padding => keyOf(PADDING, t?.int8(0) ?? 0, 'padding') as Padding;

/** Output extent of a windowed op along one axis, TF rules ("same": ceil(in/stride)). */
function windowOut(size: number, kernel: number, stride: number, dilation: number, padding: Padding): number {
  if (padding === 'same') return Math.ceil(size / stride);
  return Math.floor((size - (kernel - 1) * dilation - 1) / stride) + 1;
}

function int32Data(tensor: TensorDef | undefined, what: string): number[] {
  if (!tensor?.data) throw new Error(`${what} must be a constant int32 tensor`);
  const d = tensor.data;
  return Array.from(new Int32Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength)));
}

function broadcast(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, i) => {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`Shapes [${a}] and [${b}] do not broadcast`);
    return Math.max(x, y);
  });
}

const sameAsInput = (inputs: readonly TensorDef[]): number[] => [...inputs[0].shape];

function convLike(weightsChannelAxis: number) {
  return (inputs: readonly TensorDef[], o: ConvOptions): number[] => {
    const [n, h, w] = inputs[0].shape;
    const k = inputs[1].shape;
    return [
      n,
      windowOut(h, k[1], o.strideH, o.dilationH, o.padding),
      windowOut(w, k[2], o.strideW, o.dilationW, o.padding),
      k[weightsChannelAxis],
    ];
  };
}

/** Most ops gained int8 kernels in version 2. */
const INT8_V2: Partial<Record<DType, number>> = { int8: 2 };

function op<O>(spec: OpSpec<O>): OpSpec<O> {
  return spec;
}

const conv2d = op<ConvOptions>({
  code: 3,
  version: 1,
  versionByInputType: { int8: 3 },
  defaults: { padding: 'valid', strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, activation: 'none' },
  codec: {
    type: BUILTIN_OPTIONS.Conv2DOptions,
    // Conv2DOptions: padding 0, stride_w 1, stride_h 2, fused_activation_function 3, dilation_w 4, dilation_h 5
    encode(b, o) {
      b.startObject(6);
      b.addFieldInt8(0, PADDING[o.padding], null);
      b.addFieldInt32(1, o.strideW, null);
      b.addFieldInt32(2, o.strideH, null);
      b.addFieldInt8(3, ACTIVATION[o.activation], null);
      b.addFieldInt32(4, o.dilationW, null);
      b.addFieldInt32(5, o.dilationH, null);
      return b.endObject();
    },
    decode: (t) => ({
      padding: paddingOf(t),
      strideH: t?.int32(2) ?? 0,
      strideW: t?.int32(1) ?? 0,
      dilationH: t?.int32(5, 1) ?? 1,
      dilationW: t?.int32(4, 1) ?? 1,
      activation: activationOf(t, 3),
    }),
  },
  outputShape: convLike(0),
});

const depthwiseConv2d = op<DepthwiseConvOptions>({
  code: 4,
  version: 1,
  versionByInputType: { int8: 3 },
  defaults: { ...conv2d.defaults, depthMultiplier: 1 },
  codec: {
    type: BUILTIN_OPTIONS.DepthwiseConv2DOptions,
    // DepthwiseConv2DOptions: padding 0, stride_w 1, stride_h 2, depth_multiplier 3,
    // fused_activation_function 4, dilation_w 5, dilation_h 6
    encode(b, o) {
      b.startObject(7);
      b.addFieldInt8(0, PADDING[o.padding], null);
      b.addFieldInt32(1, o.strideW, null);
      b.addFieldInt32(2, o.strideH, null);
      b.addFieldInt32(3, o.depthMultiplier, null);
      b.addFieldInt8(4, ACTIVATION[o.activation], null);
      b.addFieldInt32(5, o.dilationW, null);
      b.addFieldInt32(6, o.dilationH, null);
      return b.endObject();
    },
    decode: (t) => ({
      padding: paddingOf(t),
      strideH: t?.int32(2) ?? 0,
      strideW: t?.int32(1) ?? 0,
      depthMultiplier: t?.int32(3) ?? 0,
      dilationH: t?.int32(6, 1) ?? 1,
      dilationW: t?.int32(5, 1) ?? 1,
      activation: activationOf(t, 4),
    }),
  },
  outputShape: convLike(3),
});

const fullyConnected = op<FullyConnectedOptions>({
  code: 9,
  version: 1,
  versionByInputType: { int8: 4 },
  defaults: { activation: 'none', keepNumDims: false },
  codec: {
    type: BUILTIN_OPTIONS.FullyConnectedOptions,
    // FullyConnectedOptions: fused_activation_function 0, weights_format 1, keep_num_dims 2
    encode(b, o) {
      b.startObject(3);
      b.addFieldInt8(0, ACTIVATION[o.activation], null);
      b.addFieldInt8(2, o.keepNumDims ? 1 : 0, 0);
      return b.endObject();
    },
    decode: (t) => ({ activation: activationOf(t, 0), keepNumDims: t?.bool(2) ?? false }),
  },
  outputShape(inputs, o) {
    const x = inputs[0].shape;
    const units = inputs[1].shape[0];
    if (o.keepNumDims) return [...x.slice(0, -1), units];
    const features = inputs[1].shape[1];
    return [x.reduce((p, d) => p * d, 1) / features, units];
  },
});

function pool(code: number) {
  return op<PoolOptions>({
    code,
    version: 1,
    versionByInputType: INT8_V2,
    defaults: { padding: 'valid', strideH: 2, strideW: 2, filterH: 2, filterW: 2, activation: 'none' },
    codec: {
      type: BUILTIN_OPTIONS.Pool2DOptions,
      // Pool2DOptions: padding 0, stride_w 1, stride_h 2, filter_width 3, filter_height 4,
      // fused_activation_function 5
      encode(b, o) {
        b.startObject(6);
        b.addFieldInt8(0, PADDING[o.padding], null);
        b.addFieldInt32(1, o.strideW, null);
        b.addFieldInt32(2, o.strideH, null);
        b.addFieldInt32(3, o.filterW, null);
        b.addFieldInt32(4, o.filterH, null);
        b.addFieldInt8(5, ACTIVATION[o.activation], null);
        return b.endObject();
      },
      decode: (t) => ({
        padding: paddingOf(t),
        strideH: t?.int32(2) ?? 0,
        strideW: t?.int32(1) ?? 0,
        filterH: t?.int32(4) ?? 0,
        filterW: t?.int32(3) ?? 0,
        activation: activationOf(t, 5),
      }),
    },
    outputShape(inputs, o) {
      const [n, h, w, c] = inputs[0].shape;
      return [n, windowOut(h, o.filterH, o.strideH, 1, o.padding), windowOut(w, o.filterW, o.strideW, 1, o.padding), c];
    },
  });
}

/** Reductions over the axes given as a constant int32 second input. */
function reducer(code: number) {
  return op<ReducerOptions>({
    code,
    version: 1,
    versionByInputType: INT8_V2,
    defaults: { keepDims: false },
    codec: {
      type: BUILTIN_OPTIONS.ReducerOptions,
      // ReducerOptions: keep_dims 0
      encode(b, o) {
        b.startObject(1);
        b.addFieldInt8(0, o.keepDims ? 1 : 0, null);
        return b.endObject();
      },
      decode: (t) => ({ keepDims: t?.bool(0) ?? false }),
    },
    outputShape(inputs, o) {
      const shape = inputs[0].shape;
      const axes = new Set(int32Data(inputs[1], 'Reduction axes').map((a) => (a < 0 ? a + shape.length : a)));
      return o.keepDims ? shape.map((d, i) => (axes.has(i) ? 1 : d)) : shape.filter((_, i) => !axes.has(i));
    },
  });
}

const reshape = op<ReshapeOptions>({
  code: 22,
  version: 1,
  defaults: { newShape: [] },
  codec: {
    type: BUILTIN_OPTIONS.ReshapeOptions,
    // ReshapeOptions: new_shape 0
    encode(b, o) {
      const shape = int32Vector(b, o.newShape);
      b.startObject(1);
      b.addFieldOffset(0, shape, 0);
      return b.endObject();
    },
    decode: (t) => ({ newShape: t?.int32s(0) ?? [] }),
  },
  outputShape(inputs, o) {
    const target = o.newShape.length > 0 ? o.newShape : int32Data(inputs[1], 'Reshape shape');
    const total = inputs[0].shape.reduce((p, d) => p * d, 1);
    const known = target.reduce((p, d) => (d === -1 ? p : p * d), 1);
    return target.map((d) => (d === -1 ? total / known : d));
  },
});

const softmax = op<SoftmaxOptions>({
  code: 25,
  version: 1,
  versionByInputType: INT8_V2,
  defaults: { beta: 1 },
  codec: {
    type: BUILTIN_OPTIONS.SoftmaxOptions,
    // SoftmaxOptions: beta 0 (schema default 0 silently zeroes the logits: always written)
    encode(b, o) {
      b.startObject(1);
      b.addFieldFloat32(0, o.beta, null);
      return b.endObject();
    },
    decode: (t) => ({ beta: t?.float32(0) ?? 0 }),
  },
  outputShape(inputs) {
    // As TFLite's kernel requires; XNNPACK would only fail to prepare ("failed to reshape runtime").
    if (inputs[0].shape.length === 0) throw new Error('SOFTMAX needs an input of rank 1 or more (it normalizes over the last axis): reshape a scalar to [1]');
    return sameAsInput(inputs);
  },
});

/** Elementwise binary ops whose only option is a fused activation (AddOptions, MulOptions, SubOptions). */
function binary(code: number, type: number) {
  return op<ActivationOnlyOptions>({
    code,
    version: 1,
    versionByInputType: INT8_V2,
    defaults: { activation: 'none' },
    codec: {
      type,
      // AddOptions / MulOptions / SubOptions: fused_activation_function 0
      encode(b, o) {
        b.startObject(1);
        b.addFieldInt8(0, ACTIVATION[o.activation], null);
        return b.endObject();
      },
      decode: (t) => ({ activation: activationOf(t, 0) }),
    },
    outputShape: (inputs) => broadcast(inputs[0].shape, inputs[1].shape),
  });
}

/** SUB: a - b with broadcasting and a fused activation (SubOptions: fused_activation_function 0). */
const sub = binary(41, BUILTIN_OPTIONS.SubOptions);

/** DIV: a / b with broadcasting (DivOptions: fused_activation_function 0); float32 (TFLite's kernel has no int8). */
const div = binary(42, BUILTIN_OPTIONS.DivOptions);

/** SQUARED_DIFFERENCE: (a - b)², broadcasting; its options table has no fields. */
const squaredDifference = op<NoOptions>({
  code: 99,
  version: 1,
  versionByInputType: INT8_V2,
  defaults: {},
  codec: {
    type: BUILTIN_OPTIONS.SquaredDifferenceOptions,
    encode(b) {
      b.startObject(0);
      return b.endObject();
    },
    decode: () => ({}),
  },
  outputShape: (inputs) => broadcast(inputs[0].shape, inputs[1].shape),
});

function unary(code: number, versionByInputType: Partial<Record<DType, number>> = INT8_V2) {
  return op<NoOptions>({ code, version: 1, versionByInputType, defaults: {}, outputShape: sameAsInput });
}

const pad = op<NoOptions>({
  code: 34,
  version: 1,
  versionByInputType: INT8_V2,
  defaults: {},
  codec: {
    type: BUILTIN_OPTIONS.PadOptions,
    encode(b) {
      b.startObject(0);
      return b.endObject();
    },
    decode: () => ({}),
  },
  outputShape(inputs) {
    const paddings = int32Data(inputs[1], 'Pad paddings');
    return inputs[0].shape.map((d, i) => d + paddings[2 * i] + paddings[2 * i + 1]);
  },
});

/**
 * GATHER: rows of a table (input 0, e.g. an embedding matrix) picked by int32 ids (input 1).
 * Output shape: params[:axis] + indices + params[axis+1:].
 */
const gather = op<GatherOptions>({
  code: 36,
  version: 1,
  versionByInputType: INT8_V2,
  defaults: { axis: 0, batchDims: 0 },
  codec: {
    type: BUILTIN_OPTIONS.GatherOptions,
    // GatherOptions: axis 0, batch_dims 1 (batch_dims ≠ 0 needs kernel version 5: refused)
    encode(b, o) {
      if (o.batchDims !== 0) throw new Error('GATHER: batchDims other than 0 is not supported');
      b.startObject(2);
      b.addFieldInt32(0, o.axis, null);
      return b.endObject();
    },
    decode: (t) => ({ axis: t?.int32(0) ?? 0, batchDims: t?.int32(1) ?? 0 }),
  },
  outputShape(inputs, o) {
    const [params, indices] = inputs;
    if (indices.dtype !== 'int32') throw new Error(`GATHER indices must be int32 (got ${indices.dtype})`);
    const axis = o.axis < 0 ? o.axis + params.shape.length : o.axis;
    return [...params.shape.slice(0, axis), ...indices.shape, ...params.shape.slice(axis + 1)];
  },
});

const concatenation = op<ConcatenationOptions>({
  code: 2,
  version: 1,
  versionByInputType: INT8_V2,
  defaults: { axis: -1, activation: 'none' },
  codec: {
    type: BUILTIN_OPTIONS.ConcatenationOptions,
    // ConcatenationOptions: axis 0, fused_activation_function 1
    encode(b, o) {
      // The schema allows it, but LiteRT.js (XNNPACK) ignores it: measured, not assumed.
      if (o.activation !== 'none') throw new Error('CONCATENATION: a fused activation is ignored by LiteRT; add a separate RELU/RELU6 op');
      b.startObject(2);
      b.addFieldInt32(0, o.axis, null);
      b.addFieldInt8(1, ACTIVATION[o.activation], null);
      return b.endObject();
    },
    decode: (t) => ({ axis: t?.int32(0) ?? 0, activation: activationOf(t, 1) }),
  },
  outputShape(inputs, o) {
    const shape = [...inputs[0].shape];
    const axis = o.axis < 0 ? o.axis + shape.length : o.axis;
    shape[axis] = inputs.reduce((sum, t) => sum + t.shape[axis], 0);
    return shape;
  },
});

export const OPS = {
  ADD: binary(0, BUILTIN_OPTIONS.AddOptions),
  AVERAGE_POOL_2D: pool(1),
  CONCATENATION: concatenation,
  CONV_2D: conv2d,
  DEPTHWISE_CONV_2D: depthwiseConv2d,
  FULLY_CONNECTED: fullyConnected,
  LOGISTIC: unary(14),
  MAX_POOL_2D: pool(17),
  MUL: binary(18, BUILTIN_OPTIONS.MulOptions),
  RELU: unary(19),
  RELU6: unary(21),
  RESHAPE: reshape,
  SOFTMAX: softmax,
  TANH: unary(28),
  PAD: pad,
  GATHER: gather,
  SUB: sub,
  DIV: div,
  SQUARED_DIFFERENCE: squaredDifference,
  MEAN: reducer(40),
  REDUCE_MAX: reducer(82),
  // float32 → int8/uint8, or int8 ↔ uint8 requantization (output type and scale say which).
  QUANTIZE: unary(114, {}),
  // int8/uint8/float16 → float32 (float16 weights: version 3, as op_version.cc has it).
  DEQUANTIZE: unary(6, { int8: 2, float16: 3 }),
} as const;

/** OperatorCode.version for `name` reading a first input of type `inputType`. */
export function opVersion(name: OpName, inputType: DType | undefined): number {
  const spec = opSpec(name);
  return (inputType && spec.versionByInputType?.[inputType]) || spec.version;
}

export type OpName = keyof typeof OPS;
export type OpOptions = { [K in OpName]: (typeof OPS)[K] extends OpSpec<infer O> ? O : never };

export function opSpec<K extends OpName>(name: K): OpSpec<OpOptions[K]> {
  return OPS[name] as unknown as OpSpec<OpOptions[K]>;
}

export function opNameOfCode(code: number): OpName {
  for (const [name, spec] of Object.entries(OPS)) if (spec.code === code) return name as OpName;
  throw new Error(`TFLite builtin operator ${code} is not supported by @offgrid/tflite (see OPS in ops.ts)`);
}
