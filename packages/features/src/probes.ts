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
  const size = x.length / sampleCount;
  const count = Math.min(MAX_PROBES, heldOut.length, Math.max(1, Math.floor(MAX_PROBE_BYTES / (size * 4))));
  const values = dtype === 'int32' ? new Int32Array(count * size) : new Float32Array(count * size);
  for (let i = 0; i < count; i++) {
    const index = heldOut[Math.floor((i * heldOut.length) / count)];
    values.set(x.subarray(index * size, (index + 1) * size), i * size);
  }
  const file: ProbeFile = { format: PROBE_FORMAT, dtype, shape: [1, ...shape], count, data: toBase64(new Uint8Array(values.buffer)) };
  return new TextEncoder().encode(JSON.stringify(file));
}

/** Reads a probe file; throws with what is wrong when it is not one. */
export function decodeProbes(bytes: Uint8Array): Probes {
  const file = JSON.parse(new TextDecoder().decode(bytes)) as Partial<ProbeFile>;
  if (file.format !== PROBE_FORMAT) throw new Error(`Not a probe file (format ${JSON.stringify(file.format)}, expected ${PROBE_FORMAT}).`);
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
