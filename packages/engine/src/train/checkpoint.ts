/**
 * Per-epoch training checkpoints as self-contained bytes: model weights (BatchNorm statistics
 * included), the Adam state (step, moments, bias-correction powers), the best weights kept for
 * early stopping, and the trainer's small state (random generator, schedule, history). Resuming
 * from one continues exactly as the uninterrupted run would have (same seed and data).
 *
 * Layout: "OGCK", uint32 version, uint32 header length, UTF-8 JSON header, padding to 4 bytes,
 * then float32 tensor data at the offsets the header gives.
 */
import * as tf from '@tensorflow/tfjs';

const MAGIC = 'OGCK';
const VERSION = 1;

export interface TrainingCheckpoint {
  /** Epochs completed. */
  epoch: number;
  /** Optimizer steps (batches) taken. */
  optimizerStep: number;
  /** Everything needed to resume; opaque to callers (persist it as is). */
  bytes: Uint8Array;
}

export interface NamedArray {
  name: string;
  shape: number[];
  values: Float32Array;
}

export function encodeCheckpoint(state: unknown, arrays: readonly NamedArray[]): Uint8Array {
  let offset = 0;
  const tensors = arrays.map(({ name, shape, values }) => {
    const entry = { name, shape, offset, length: values.length };
    offset += values.length * 4;
    return entry;
  });
  const header = new TextEncoder().encode(JSON.stringify({ state, tensors }, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
  const dataStart = Math.ceil((12 + header.length) / 4) * 4;
  const bytes = new Uint8Array(dataStart + offset);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  const view = new DataView(bytes.buffer);
  view.setUint32(4, VERSION, true);
  view.setUint32(8, header.length, true);
  bytes.set(header, 12);
  const data = new Float32Array(bytes.buffer, dataStart, offset / 4);
  arrays.forEach((a, i) => data.set(a.values, tensors[i].offset / 4));
  return bytes;
}

export function decodeCheckpoint<S>(bytes: Uint8Array): { state: S; arrays: Map<string, NamedArray> } {
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) throw new Error('Not an Offgrid training checkpoint (bad magic).');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== VERSION) throw new Error(`Checkpoint version ${version} is not supported (expected ${VERSION}).`);
  const headerLength = view.getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength)), (_key, v: unknown) =>
    v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v === 'NaN' ? NaN : v,
  ) as { state: S; tensors: { name: string; shape: number[]; offset: number; length: number }[] };
  const dataStart = Math.ceil((12 + headerLength) / 4) * 4;
  // Copy into an aligned buffer: the caller's bytes may sit at any offset.
  const data = new Float32Array(bytes.slice(dataStart).buffer);
  const arrays = new Map<string, NamedArray>();
  for (const t of header.tensors) arrays.set(t.name, { name: t.name, shape: t.shape, values: data.slice(t.offset / 4, t.offset / 4 + t.length) });
  return { state: header.state, arrays };
}

export async function tensorArrays(prefix: string, tensors: readonly tf.Tensor[]): Promise<NamedArray[]> {
  return Promise.all(tensors.map(async (t, i) => ({ name: `${prefix}/${i}`, shape: [...t.shape], values: Float32Array.from((await t.data()) as Float32Array) })));
}

export function takeArrays(arrays: Map<string, NamedArray>, prefix: string): NamedArray[] {
  const taken: NamedArray[] = [];
  for (let i = 0; arrays.has(`${prefix}/${i}`); i++) taken.push(arrays.get(`${prefix}/${i}`)!);
  return taken;
}

/** tfjs' Adam keeps these protected; their layout is stable in the pinned 4.22. */
interface AdamInternals {
  iterations_: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
}

const internals = (optimizer: tf.AdamOptimizer): AdamInternals => optimizer as unknown as AdamInternals;

export function adamStep(optimizer: tf.AdamOptimizer): number {
  return internals(optimizer).iterations_ ?? 0;
}

export async function adamArrays(optimizer: tf.AdamOptimizer): Promise<NamedArray[]> {
  const o = internals(optimizer);
  return [
    ...(await tensorArrays('adam/beta', [o.accBeta1, o.accBeta2])),
    ...(await tensorArrays('adam/m', o.accumulatedFirstMoment.map((m) => m.variable))),
    ...(await tensorArrays('adam/v', o.accumulatedSecondMoment.map((v) => v.variable))),
  ];
}

/** Restores Adam exactly (tfjs' own setWeights recomputes the beta powers with pow(), which drifts in float32). */
export function restoreAdam(optimizer: tf.AdamOptimizer, step: number, arrays: Map<string, NamedArray>, variables: readonly tf.Variable[]): void {
  const o = internals(optimizer);
  const [beta1, beta2] = takeArrays(arrays, 'adam/beta');
  o.accBeta1.assign(tf.scalar(beta1.values[0]));
  o.accBeta2.assign(tf.scalar(beta2.values[0]));
  const moments = (prefix: string, suffix: string) =>
    takeArrays(arrays, prefix).map((a, i) => ({ originalName: `${variables[i].name}/${suffix}`, variable: tf.tidy(() => tf.variable(tf.tensor(a.values, a.shape), false)) }));
  o.accumulatedFirstMoment = moments('adam/m', 'm');
  o.accumulatedSecondMoment = moments('adam/v', 'v');
  o.iterations_ = step;
}
