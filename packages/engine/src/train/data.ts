import * as tf from '@tensorflow/tfjs';
import type { Random } from '../util/random.ts';
import { augmentImage, type ImageAugmentation } from './augment.ts';

/** Samples back to back in one float32 array: what workers receive and what the trainer batches from. */
export interface TrainingData {
  /** `targets.length` samples, each `shape` (e.g. [H, W, C], [T, C] or [F]) long. */
  x: Float32Array;
  /** Shape of one sample. */
  shape: readonly number[];
  /** Class index per sample. */
  targets: ArrayLike<number>;
  /** Recording each sample came from: the validation split keeps a recording's samples on one side. */
  groups?: ArrayLike<number>;
}

export const sampleSize = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Packs per-image arrays into one TrainingData (a copy). */
export function fromSamples(samples: readonly Float32Array[], targets: ArrayLike<number>, shape: readonly number[]): TrainingData {
  const size = sampleSize(shape);
  const x = new Float32Array(samples.length * size);
  samples.forEach((s, i) => {
    if (s.length !== size) throw new Error(`sample ${i} has ${s.length} values; shape ${shape.join('x')} needs ${size}.`);
    x.set(s, i * size);
  });
  return { x, shape: [...shape], targets };
}

export function checkData(data: TrainingData, numClasses: number): void {
  const size = sampleSize(data.shape);
  if (data.shape.length === 0 || data.shape.some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`Invalid sample shape [${data.shape.join(', ')}].`);
  if (data.x.length !== data.targets.length * size) {
    throw new Error(`x has ${data.x.length} values; ${data.targets.length} samples of shape ${data.shape.join('x')} need ${data.targets.length * size}.`);
  }
  for (let i = 0; i < data.targets.length; i++) {
    const t = data.targets[i];
    if (!Number.isInteger(t) || t < 0 || t >= numClasses) throw new Error(`target ${i} is ${t}; expected an integer in [0, ${numClasses}).`);
  }
}

/** The samples at `indices` as one [n, ...shape] tensor; images are augmented when asked (seeded). */
export function sampleBatch(data: TrainingData, indices: readonly number[], augment?: { options: ImageAugmentation; random: Random }): tf.Tensor {
  const size = sampleSize(data.shape);
  const buffer = new Float32Array(indices.length * size);
  indices.forEach((index, i) => {
    const sample = data.x.subarray(index * size, (index + 1) * size);
    if (augment) augmentImage(sample, buffer, i * size, data.shape, augment.options, augment.random);
    else buffer.set(sample, i * size);
  });
  return tf.tensor(buffer, [indices.length, ...data.shape]);
}

export function targetBatch(targets: ArrayLike<number>, indices: readonly number[]): tf.Tensor1D {
  return tf.tensor1d(Int32Array.from(indices, (i) => targets[i]), 'int32');
}

/** Model outputs (probabilities) for the samples at `indices`, batch by batch: [indices.length × classes]. */
export async function predictSamples(model: tf.LayersModel, data: TrainingData, indices: readonly number[], batchSize = 64): Promise<Float32Array> {
  const parts: Float32Array[] = [];
  for (let start = 0; start < indices.length; start += batchSize) {
    const out = tf.tidy(() => model.predict(sampleBatch(data, indices.slice(start, start + batchSize))) as tf.Tensor);
    parts.push((await out.data()) as Float32Array);
    out.dispose();
  }
  const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    all.set(p, offset);
    offset += p.length;
  }
  return all;
}
