/**
 * A float32 reference interpreter for the OPS subset, in plain TypeScript. It exists for
 * int8 calibration: the quantizer needs the range of every tensor of *this* graph (after BN
 * folding and activation fusion, including intermediates no framework layer exposes), for any
 * TFLite model we can parse, without an ML framework in this package. Speed is secondary
 * (plain loops; ~100 calibration samples of a small CNN take well under a second).
 */
import type { OperatorDef, TensorDef, TfliteModel } from './model.ts';
import type { Activation } from './schema.ts';
import { fromFloat16Data } from './float16.ts';
import type { ConvOptions, DepthwiseConvOptions, FullyConnectedOptions, PoolOptions } from './ops.ts';

type Values = Float32Array;

const size = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

/** Constant tensor data as numbers (float32, float16, int32, int8 dequantized). */
export function constantValues(t: TensorDef): Float32Array {
  const d = t.data;
  if (!d) throw new Error(`Tensor "${t.name}" has no data`);
  const buffer = d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength);
  switch (t.dtype) {
    case 'float32':
      return new Float32Array(buffer);
    case 'float16':
      return fromFloat16Data(d);
    case 'int32':
      return Float32Array.from(new Int32Array(buffer));
    case 'int8':
    case 'uint8':
      return dequantize(t.dtype === 'int8' ? new Int8Array(buffer) : new Uint8Array(buffer), t);
    default:
      throw new Error(`Tensor "${t.name}": constants of type ${t.dtype} are not supported by the reference interpreter`);
  }
}

function dequantize(q: Int8Array | Uint8Array, t: TensorDef): Float32Array {
  const quant = t.quantization;
  if (!quant) throw new Error(`Tensor "${t.name}" is ${t.dtype} without quantization parameters`);
  const out = new Float32Array(q.length);
  const axis = quant.quantizedDimension;
  const inner = size(t.shape.slice(axis + 1));
  const channels = quant.scale.length;
  for (let i = 0; i < q.length; i++) {
    const c = channels === 1 ? 0 : Math.floor(i / inner) % channels;
    out[i] = quant.scale[c] * (q[i] - Number(quant.zeroPoint[c]));
  }
  return out;
}

function activate(x: Values, activation: Activation): Values {
  if (activation === 'none') return x;
  const f =
    activation === 'relu' ? (v: number) => Math.max(v, 0)
    : activation === 'relu6' ? (v: number) => Math.min(Math.max(v, 0), 6)
    : activation === 'reluN1To1' ? (v: number) => Math.min(Math.max(v, -1), 1)
    : Math.tanh;
  for (let i = 0; i < x.length; i++) x[i] = f(x[i]);
  return x;
}

/** Leading padding of a windowed op along one axis, TF rules (the odd pixel goes at the end). */
function padBefore(size: number, out: number, kernel: number, stride: number, dilation: number, padding: 'same' | 'valid'): number {
  if (padding === 'valid') return 0;
  return Math.floor(Math.max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0) / 2);
}

function conv(x: Values, xs: number[], w: Values, ws: number[], bias: Values | undefined, ys: number[], o: ConvOptions | DepthwiseConvOptions, depthwise: boolean): Values {
  const [n, h, wd, c] = xs;
  const [, oh, ow, oc] = ys;
  const [, kh, kw] = ws;
  const cin = depthwise ? 1 : ws[3];
  const multiplier = depthwise ? (o as DepthwiseConvOptions).depthMultiplier : 1;
  const top = padBefore(h, oh, kh, o.strideH, o.dilationH, o.padding);
  const left = padBefore(wd, ow, kw, o.strideW, o.dilationW, o.padding);
  const y = new Float32Array(size(ys));
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let k = 0; k < oc; k++) {
          let sum = bias ? bias[k] : 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * o.strideH - top + ky * o.dilationH;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * o.strideW - left + kx * o.dilationW;
              if (ix < 0 || ix >= wd) continue;
              const xBase = ((b * h + iy) * wd + ix) * c;
              if (depthwise) {
                sum += x[xBase + Math.floor(k / multiplier)] * w[(ky * kw + kx) * oc + k];
              } else {
                const wBase = ((k * kh + ky) * kw + kx) * cin;
                for (let i = 0; i < cin; i++) sum += x[xBase + i] * w[wBase + i];
              }
            }
          }
          y[((b * oh + oy) * ow + ox) * oc + k] = sum;
        }
  return activate(y, o.activation);
}

function fullyConnected(x: Values, w: Values, ws: number[], bias: Values | undefined, o: FullyConnectedOptions): Values {
  const [units, features] = ws;
  const rows = x.length / features;
  const y = new Float32Array(rows * units);
  for (let r = 0; r < rows; r++)
    for (let u = 0; u < units; u++) {
      let sum = bias ? bias[u] : 0;
      for (let i = 0; i < features; i++) sum += x[r * features + i] * w[u * features + i];
      y[r * units + u] = sum;
    }
  return activate(y, o.activation);
}

function pool(x: Values, xs: number[], ys: number[], o: PoolOptions, max: boolean): Values {
  const [n, h, w, c] = xs;
  const [, oh, ow] = ys;
  const top = padBefore(h, oh, o.filterH, o.strideH, 1, o.padding);
  const left = padBefore(w, ow, o.filterW, o.strideW, 1, o.padding);
  const y = new Float32Array(size(ys));
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let k = 0; k < c; k++) {
          let acc = max ? -Infinity : 0;
          let count = 0; // padded cells do not count toward the average (TF semantics)
          for (let fy = 0; fy < o.filterH; fy++) {
            const iy = oy * o.strideH - top + fy;
            if (iy < 0 || iy >= h) continue;
            for (let fx = 0; fx < o.filterW; fx++) {
              const ix = ox * o.strideW - left + fx;
              if (ix < 0 || ix >= w) continue;
              const v = x[((b * h + iy) * w + ix) * c + k];
              acc = max ? Math.max(acc, v) : acc + v;
              count++;
            }
          }
          y[((b * oh + oy) * ow + ox) * c + k] = max ? acc : acc / count;
        }
  return activate(y, o.activation);
}

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/** Calls `visit(outIndex, coordinates)` over every element of `shape`, row-major. */
function forEachIndex(shape: readonly number[], visit: (index: number, coords: number[]) => void): void {
  const coords = new Array<number>(shape.length).fill(0);
  const total = size(shape);
  for (let i = 0; i < total; i++) {
    visit(i, coords);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++coords[d] < shape[d]) break;
      coords[d] = 0;
    }
  }
}

function broadcastBinary(a: Values, as: number[], b: Values, bs: number[], ys: number[], f: (x: number, y: number) => number): Values {
  const rank = ys.length;
  const pad = (s: number[]) => [...new Array<number>(rank - s.length).fill(1), ...s];
  const [pa, pb] = [pad(as), pad(bs)];
  const [sa, sb] = [strides(pa), strides(pb)];
  const y = new Float32Array(size(ys));
  forEachIndex(ys, (i, c) => {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < rank; d++) {
      if (pa[d] !== 1) ia += c[d] * sa[d];
      if (pb[d] !== 1) ib += c[d] * sb[d];
    }
    y[i] = f(a[ia], b[ib]);
  });
  return y;
}

function reduce(x: Values, xs: number[], axes: number[], ys: number[], max: boolean): Values {
  const set = new Set(axes.map((a) => (a < 0 ? a + xs.length : a)));
  const keptStrides = strides(xs.map((d, i) => (set.has(i) ? 1 : d)));
  const y = new Float32Array(size(ys)).fill(max ? -Infinity : 0);
  const count = size(xs) / y.length;
  forEachIndex(xs, (i, c) => {
    let o = 0;
    for (let d = 0; d < xs.length; d++) if (!set.has(d)) o += c[d] * keptStrides[d];
    y[o] = max ? Math.max(y[o], x[i]) : y[o] + x[i];
  });
  if (!max) for (let i = 0; i < y.length; i++) y[i] /= count;
  return y;
}

function padValues(x: Values, xs: number[], paddings: Values, ys: number[]): Values {
  const y = new Float32Array(size(ys));
  const ysStrides = strides(ys);
  forEachIndex(xs, (i, c) => {
    let o = 0;
    for (let d = 0; d < xs.length; d++) o += (c[d] + paddings[2 * d]) * ysStrides[d];
    y[o] = x[i];
  });
  return y;
}

function concat(parts: { values: Values; shape: number[] }[], axis: number, ys: number[]): Values {
  const a = axis < 0 ? axis + ys.length : axis;
  const outer = size(ys.slice(0, a));
  const y = new Float32Array(size(ys));
  let offset = 0;
  for (let o = 0; o < outer; o++)
    for (const part of parts) {
      const chunk = size(part.shape.slice(a));
      y.set(part.values.subarray(o * chunk, (o + 1) * chunk), offset);
      offset += chunk;
    }
  return y;
}

function softmax(x: Values, depth: number, beta: number): Values {
  const y = new Float32Array(x.length);
  for (let r = 0; r < x.length; r += depth) {
    let max = -Infinity;
    for (let i = 0; i < depth; i++) max = Math.max(max, x[r + i]);
    let sum = 0;
    for (let i = 0; i < depth; i++) sum += y[r + i] = Math.exp((x[r + i] - max) * beta);
    for (let i = 0; i < depth; i++) y[r + i] /= sum;
  }
  return y;
}

/** GATHER along `axis` with ids given as (integral) floats; out-of-range ids throw like TFLite. */
function gather(params: Values, ps: number[], ids: Values, axis: number): Values {
  const a = axis < 0 ? axis + ps.length : axis;
  const outer = size(ps.slice(0, a));
  const rows = ps[a];
  const inner = size(ps.slice(a + 1));
  const y = new Float32Array(outer * ids.length * inner);
  for (let o = 0; o < outer; o++)
    ids.forEach((id, i) => {
      if (!Number.isInteger(id) || id < 0 || id >= rows) throw new Error(`GATHER: index ${id} out of range [0, ${rows})`);
      const from = (o * rows + id) * inner;
      y.set(params.subarray(from, from + inner), (o * ids.length + i) * inner);
    });
  return y;
}

function map(x: Values, f: (v: number) => number): Values {
  return Float32Array.from(x, f);
}

function evaluateOp(op: OperatorDef, inputs: (Values | undefined)[], model: TfliteModel): Values {
  const shape = (i: number) => model.tensors[op.inputs[i]].shape;
  const ys = model.tensors[op.outputs[0]].shape;
  const [x] = inputs as Values[];
  switch (op.op) {
    case 'CONV_2D':
      return conv(x, shape(0), inputs[1] as Values, shape(1), inputs[2], ys, op.options, false);
    case 'DEPTHWISE_CONV_2D':
      return conv(x, shape(0), inputs[1] as Values, shape(1), inputs[2], ys, op.options, true);
    case 'FULLY_CONNECTED':
      return fullyConnected(x, inputs[1] as Values, shape(1), inputs[2], op.options);
    case 'MAX_POOL_2D':
    case 'AVERAGE_POOL_2D':
      return pool(x, shape(0), ys, op.options, op.op === 'MAX_POOL_2D');
    case 'MEAN':
    case 'REDUCE_MAX':
      return reduce(x, shape(0), Array.from(inputs[1] as Values), ys, op.op === 'REDUCE_MAX');
    case 'RESHAPE':
    case 'DEQUANTIZE':
      return x.slice();
    case 'SOFTMAX':
      return softmax(x, ys[ys.length - 1], op.options.beta);
    case 'ADD':
      return activate(broadcastBinary(x, shape(0), inputs[1] as Values, shape(1), ys, (a, b) => a + b), op.options.activation);
    case 'SUB':
      return activate(broadcastBinary(x, shape(0), inputs[1] as Values, shape(1), ys, (a, b) => a - b), op.options.activation);
    case 'DIV':
      return activate(broadcastBinary(x, shape(0), inputs[1] as Values, shape(1), ys, (a, b) => a / b), op.options.activation);
    case 'SQUARED_DIFFERENCE':
      return broadcastBinary(x, shape(0), inputs[1] as Values, shape(1), ys, (a, b) => (a - b) * (a - b));
    case 'GATHER':
      return gather(x, shape(0), inputs[1] as Values, op.options.axis);
    case 'MUL':
      return activate(broadcastBinary(x, shape(0), inputs[1] as Values, shape(1), ys, (a, b) => a * b), op.options.activation);
    case 'RELU':
      return map(x, (v) => Math.max(v, 0));
    case 'RELU6':
      return map(x, (v) => Math.min(Math.max(v, 0), 6));
    case 'LOGISTIC':
      return map(x, (v) => 1 / (1 + Math.exp(-v)));
    case 'TANH':
      return map(x, Math.tanh);
    case 'PAD':
      return padValues(x, shape(0), inputs[1] as Values, ys);
    case 'CONCATENATION':
      return concat(inputs.map((values, i) => ({ values: values as Values, shape: shape(i) })), op.options.axis, ys);
    case 'QUANTIZE':
      throw new Error('The reference interpreter runs float graphs only (found QUANTIZE)');
  }
}

/** A model input: float32 values, or int32 ids (e.g. token ids for GATHER; computed as floats here). */
export type InterpreterInput = Float32Array | Int32Array;

/**
 * Runs `model` on its inputs (model input order) and returns the value of every tensor,
 * indexed like `model.tensors` (constants dequantized to float; unused tensors undefined).
 */
export function evaluateAll(model: TfliteModel, inputs: readonly InterpreterInput[]): (Float32Array | undefined)[] {
  if (inputs.length !== model.inputs.length) throw new Error(`Model takes ${model.inputs.length} inputs, got ${inputs.length}`);
  const values: (Float32Array | undefined)[] = model.tensors.map((t) => (t.data ? constantValues(t) : undefined));
  model.inputs.forEach((index, i) => {
    const expected = size(model.tensors[index].shape);
    if (inputs[i].length !== expected) throw new Error(`Input ${i}: ${inputs[i].length} values, shape [${model.tensors[index].shape}] needs ${expected}`);
    const input = inputs[i];
    values[index] = input instanceof Float32Array ? input : Float32Array.from(input);
  });
  for (const op of model.operators) {
    const operands = op.inputs.map((i) => (i < 0 ? undefined : values[i]));
    values[op.outputs[0]] = evaluateOp(op, operands, model);
  }
  return values;
}

/** Runs `model` and returns its outputs. */
export function evaluate(model: TfliteModel, inputs: readonly InterpreterInput[]): Float32Array[] {
  const values = evaluateAll(model, inputs);
  return model.outputs.map((i) => values[i] as Float32Array);
}
