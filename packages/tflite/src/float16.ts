/**
 * float16 weight export, as the TFLite converter does it: every float32 constant is stored as
 * float16 and a DEQUANTIZE op at the start of the graph turns it back into float32, so the
 * file halves while the math (and the runtime's kernels) stay float32.
 */
import type { OperatorDef, TensorDef, TfliteModel } from './model.ts';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 bits of `value`, rounded to nearest even; overflow → ±Infinity. */
export function float16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0); // Inf, NaN
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // underflows to ±0
    mantissa |= 0x800000; // subnormal: make the implicit bit explicit, then shift into place
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mantissa & ((1 << shift) - 1);
    let result = mantissa >>> shift;
    if (rest > half || (rest === half && (result & 1))) result++;
    return sign | result;
  }
  let result = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (result & 1))) result++; // may carry into the exponent: still right
  return sign | result;
}

export function float16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

export function toFloat16Data(values: Float32Array): Uint8Array {
  const half = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) half[i] = float16Bits(values[i]);
  return new Uint8Array(half.buffer);
}

export function fromFloat16Data(data: Uint8Array): Float32Array {
  const half = new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  return Float32Array.from(half, float16ToNumber);
}

/**
 * A copy of `model` whose float32 constants are float16 + DEQUANTIZE. The float16 tensor keeps
 * the original name (what viewers show as the weight); the float32 result is `<name>/dequantized`.
 */
export function toFloat16Weights(model: TfliteModel): TfliteModel {
  const tensors: TensorDef[] = model.tensors.map((t) => ({ ...t }));
  const dequantizeOps: OperatorDef[] = [];
  const replacement = new Map<number, number>();
  model.tensors.forEach((t, index) => {
    if (t.dtype !== 'float32' || !t.data) return;
    const values = new Float32Array(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength));
    tensors[index] = { name: t.name, shape: [...t.shape], dtype: 'float16', data: toFloat16Data(values) };
    tensors.push({ name: `${t.name}/dequantized`, shape: [...t.shape], dtype: 'float32' });
    replacement.set(index, tensors.length - 1);
    dequantizeOps.push({ op: 'DEQUANTIZE', inputs: [index], outputs: [tensors.length - 1], options: {} });
  });
  const remap = (i: number) => replacement.get(i) ?? i;
  const operators = model.operators.map((o) => ({ ...o, inputs: o.inputs.map(remap) }) as OperatorDef);
  return { ...model, tensors, operators: [...dequantizeOps, ...operators], outputs: model.outputs.map(remap) };
}
