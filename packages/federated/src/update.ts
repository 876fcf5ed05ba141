/**
 * What travels: a phone's update is the difference between its trained head and the round's base,
 * flattened as weights then bias, sent as base64 of little-endian float32.
 */
import { firstNonFinite, validateHead, type Head } from './head.ts';

/** The `format` field of an encoded head. */
export const HEAD_FORMAT = 'offgrid.head.v1';

/** A head as JSON: sizes and base64 little-endian float32 arrays. */
export interface EncodedHead {
  format: typeof HEAD_FORMAT;
  inputSize: number;
  numClasses: number;
  /** `[numClasses][inputSize]` row-major, base64 of little-endian float32. */
  weights: string;
  /** `[numClasses]`, base64 of little-endian float32. */
  bias: string;
}

/** The number of values in an update of this head: numClasses × inputSize + numClasses. */
export function deltaLength(head: Pick<Head, 'inputSize' | 'numClasses'>): number {
  return head.numClasses * head.inputSize + head.numClasses;
}

/** trained − base, as weights then bias (length numClasses × inputSize + numClasses). */
export function headDelta(base: Head, trained: Head): Float32Array {
  validateHead(base, 'base', false);
  validateHead(trained, 'trained', false);
  if (base.inputSize !== trained.inputSize || base.numClasses !== trained.numClasses) {
    throw new Error(`headDelta: the heads differ in shape (base ${base.numClasses}×${base.inputSize}, trained ${trained.numClasses}×${trained.inputSize}); train from the round's base head`);
  }
  const delta = new Float32Array(deltaLength(base));
  const weightCount = base.weights.length;
  for (let i = 0; i < weightCount; i++) delta[i] = trained.weights[i] - base.weights[i];
  for (let c = 0; c < base.numClasses; c++) delta[weightCount + c] = trained.bias[c] - base.bias[c];
  return delta;
}

/** base + scale·delta, as a new head. */
export function applyDelta(base: Head, delta: ArrayLike<number>, scale = 1): Head {
  validateHead(base, 'base', false);
  const expected = deltaLength(base);
  if (delta.length !== expected) {
    throw new Error(`applyDelta: the update has ${delta.length} values, a ${base.numClasses}×${base.inputSize} head needs ${expected} (weights then bias)`);
  }
  if (!Number.isFinite(scale)) throw new Error(`applyDelta: scale must be finite; got ${scale}`);
  const weightCount = base.weights.length;
  const weights = new Float32Array(weightCount);
  const bias = new Float32Array(base.numClasses);
  for (let i = 0; i < weightCount; i++) weights[i] = base.weights[i] + scale * delta[i];
  for (let c = 0; c < base.numClasses; c++) bias[c] = base.bias[c] + scale * delta[weightCount + c];
  return { inputSize: base.inputSize, numClasses: base.numClasses, weights, bias };
}

/** √Σ delta², summed in float64. NaN or Infinity when the update holds one. */
export function l2Norm(delta: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < delta.length; i++) sum += delta[i] * delta[i];
  return Math.sqrt(sum);
}

/**
 * Scales delta down to norm maxNorm when it is longer (a new array), else returns it as is.
 * `norm` is the norm before clipping. Throws on a non-finite update (check it with checkUpdate first).
 */
export function clipToNorm(delta: Float32Array, maxNorm: number): { delta: Float32Array; norm: number; clipped: boolean } {
  if (!Number.isFinite(maxNorm) || maxNorm <= 0) throw new Error(`clipToNorm: maxNorm must be a positive number; got ${maxNorm}`);
  const norm = l2Norm(delta);
  if (!Number.isFinite(norm)) throw new Error(`clipToNorm: the update holds ${delta[firstNonFinite(delta)]} at index ${firstNonFinite(delta)}; reject it (checkUpdate) rather than clip it`);
  if (norm <= maxNorm) return { delta, norm, clipped: false };
  const scale = maxNorm / norm;
  const clipped = new Float32Array(delta.length);
  for (let i = 0; i < delta.length; i++) clipped[i] = delta[i] * scale;
  return { delta: clipped, norm, clipped: true };
}

const CHUNK_BYTES = 3 * 8192; // a multiple of 3, so base64 chunks concatenate without padding between them

/** Base64 of the values as little-endian float32, bit-exact (−0, subnormals and NaN payloads kept). Node and browsers (btoa). */
export function encodeFloats(values: Float32Array): string {
  if (!(values instanceof Float32Array)) throw new Error('encodeFloats: expected a Float32Array');
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < bits.length; i++) view.setUint32(i * 4, bits[i], true);
  let out = '';
  for (let start = 0; start < bytes.length; start += CHUNK_BYTES) {
    const chunk = bytes.subarray(start, start + CHUNK_BYTES);
    out += btoa(String.fromCharCode.apply(null, chunk as unknown as number[]));
  }
  return out;
}

/** The inverse of encodeFloats. Throws on text that is not base64 of a whole number of float32s. */
export function decodeFloats(text: string): Float32Array {
  if (typeof text !== 'string') throw new Error(`decodeFloats: expected a base64 string; got ${typeof text}`);
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new Error(`decodeFloats: not base64 (length ${text.length}${text.length % 4 ? ', not a multiple of 4' : ', characters outside A–Z a–z 0–9 + / ='}); send encodeFloats' output unchanged`);
  }
  const binary = atob(text);
  if (binary.length % 4 !== 0) throw new Error(`decodeFloats: ${binary.length} bytes is not a whole number of float32s (4 bytes each)`);
  const view = new DataView(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) view.setUint8(i, binary.charCodeAt(i));
  const bits = new Uint32Array(binary.length / 4);
  for (let i = 0; i < bits.length; i++) bits[i] = view.getUint32(i * 4, true);
  return new Float32Array(bits.buffer);
}

export function encodeHead(head: Head): EncodedHead {
  validateHead(head);
  return { format: HEAD_FORMAT, inputSize: head.inputSize, numClasses: head.numClasses, weights: encodeFloats(head.weights), bias: encodeFloats(head.bias) };
}

/** Parses and validates an encoded head (from JSON): format, sizes, lengths, finite values. */
export function decodeHead(value: unknown): Head {
  if (!value || typeof value !== 'object') throw new Error(`decodeHead: expected an object { format: '${HEAD_FORMAT}', inputSize, numClasses, weights, bias }`);
  const encoded = value as Partial<EncodedHead>;
  if (encoded.format !== HEAD_FORMAT) throw new Error(`decodeHead: format is ${JSON.stringify(encoded.format)}, expected '${HEAD_FORMAT}'`);
  if (typeof encoded.weights !== 'string' || typeof encoded.bias !== 'string') throw new Error('decodeHead: weights and bias must be base64 strings (encodeFloats)');
  const head: Head = {
    inputSize: encoded.inputSize as number,
    numClasses: encoded.numClasses as number,
    weights: decodeFloats(encoded.weights),
    bias: decodeFloats(encoded.bias),
  };
  validateHead(head, 'decodeHead: head');
  return head;
}
