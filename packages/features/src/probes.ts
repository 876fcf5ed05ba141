/**
 * Probe samples: a few held-out samples, exactly as a model takes them, shipped beside the model files (the
 * `probes` artifact). The phone runs them through each variant on each of its accelerators and keeps the fastest
 * one that agrees with float32. Written by the pipeline in Node, read by the app in the browser: one format here.
 */
export const PROBE_FORMAT = 'offgrid.probes.v1';
/** At most this many samples, and at most this many bytes of values (224×224×3 floats: 6 samples). */
export const MAX_PROBES = 16;
export const MAX_PROBE_BYTES = 4 * 1024 * 1024;

export interface ProbeFile {
  format: typeof PROBE_FORMAT;
  /** The model input's type: token ids go in as int32. */
  dtype: 'float32' | 'int32';
  /** One example's input shape, batch first (`[1, ...]`). */
  shape: number[];
  count: number;
  /** `count` examples, little-endian float32 or int32 values, base64. */
  data: string;
}

export interface Probes {
  dtype: 'float32' | 'int32';
  shape: number[];
  /** One array per sample, each the size of one input. */
  samples: (Float32Array | Int32Array)[];
}

/** Up to MAX_PROBES samples spread evenly over `heldOut` (so every label tends to appear), from `x` (one row per sample). */
export function encodeProbes(x: Float32Array, sampleCount: number, heldOut: readonly number[], shape: readonly number[], dtype: 'float32' | 'int32'): Uint8Array {
  const { file } = pick(x, sampleCount, heldOut, shape, dtype, MAX_PROBES, MAX_PROBE_BYTES);
  return new TextEncoder().encode(JSON.stringify({ format: PROBE_FORMAT, ...file } satisfies ProbeFile));
}

/**
 * The held-out set: held-out samples as the model takes them, with their labels, kept on the server beside a model
 * version so a later version with another head (a federated round) is tested on the same data. Phones never need it.
 */
export const HOLDOUT_FORMAT = 'offgrid.holdout.v1';
export const MAX_HOLDOUT_SAMPLES = 2000;
export const MAX_HOLDOUT_BYTES = 16 * 1024 * 1024;

export interface Holdout extends Probes {
  /** The label index of each sample. */
  targets: Int32Array;
}

/** Up to MAX_HOLDOUT_SAMPLES of `heldOut` (evenly spread) with their `targets`, within MAX_HOLDOUT_BYTES of values. */
export function encodeHoldout(x: Float32Array, targets: ArrayLike<number>, heldOut: readonly number[], shape: readonly number[], dtype: 'float32' | 'int32'): Uint8Array {
  const { file, indices } = pick(x, targets.length, heldOut, shape, dtype, MAX_HOLDOUT_SAMPLES, MAX_HOLDOUT_BYTES);
  return new TextEncoder().encode(JSON.stringify({ format: HOLDOUT_FORMAT, ...file, targets: indices.map((i) => targets[i]) }));
}

export function decodeHoldout(bytes: Uint8Array): Holdout {
  const file = JSON.parse(new TextDecoder().decode(bytes)) as Partial<Omit<ProbeFile, 'format'>> & { format?: string; targets?: unknown };
  if (file.format !== HOLDOUT_FORMAT) throw new Error(`Not a held-out set (format ${JSON.stringify(file.format)}, expected ${HOLDOUT_FORMAT}).`);
  const probes = samplesOf(file);
  if (!Array.isArray(file.targets) || file.targets.length !== probes.samples.length || !file.targets.every((t) => Number.isInteger(t) && t >= 0)) {
    throw new Error('The held-out set is damaged: one label index per sample is needed.');
  }
  return { ...probes, targets: Int32Array.from(file.targets as number[]) };
}

/** Which samples go in (evenly spread over `heldOut`, at most `maxCount` and `maxBytes` of values) and their packed values. */
function pick(x: Float32Array, sampleCount: number, heldOut: readonly number[], shape: readonly number[], dtype: 'float32' | 'int32', maxCount: number, maxBytes: number) {
  const size = x.length / sampleCount;
  const count = Math.min(maxCount, heldOut.length, Math.max(1, Math.floor(maxBytes / (size * 4))));
  const values = dtype === 'int32' ? new Int32Array(count * size) : new Float32Array(count * size);
  const indices = Array.from({ length: count }, (_, i) => heldOut[Math.floor((i * heldOut.length) / count)]);
  indices.forEach((index, i) => values.set(x.subarray(index * size, (index + 1) * size), i * size));
  const file: Omit<ProbeFile, 'format'> = { dtype, shape: [1, ...shape], count, data: toBase64(new Uint8Array(values.buffer)) };
  return { file, indices };
}

/** Reads a probe file; throws with what is wrong when it is not one. */
export function decodeProbes(bytes: Uint8Array): Probes {
  const file = JSON.parse(new TextDecoder().decode(bytes)) as Partial<ProbeFile>;
  if (file.format !== PROBE_FORMAT) throw new Error(`Not a probe file (format ${JSON.stringify(file.format)}, expected ${PROBE_FORMAT}).`);
  return samplesOf(file);
}

function samplesOf(file: Partial<ProbeFile> | Partial<Omit<ProbeFile, 'format'>>): Probes {
  const { dtype, shape, count, data } = file;
  if ((dtype !== 'float32' && dtype !== 'int32') || !Array.isArray(shape) || !Number.isInteger(count) || typeof data !== 'string') throw new Error('The probe file is damaged (dtype, shape, count or data missing).');
  const size = shape.slice(1).reduce((product, n) => product * n, 1);
  const raw = fromBase64(data);
  if (raw.byteLength !== count! * size * 4) throw new Error(`The probe file is damaged: ${raw.byteLength} bytes for ${count} samples of ${size} values.`);
  const all = dtype === 'int32' ? new Int32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4) : new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  return { dtype, shape, samples: Array.from({ length: count! }, (_, i) => all.slice(i * size, (i + 1) * size)) };
}

// Little-endian on every machine this runs on (x86, Arm): typed arrays are written and read as they are.
function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
