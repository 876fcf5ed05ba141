/**
 * The federated bench's data: disjoint shares of Fashion-MNIST's training split (a seed share the base model is
 * trained on, a validation share for choosing the round settings, the phones' shares, a pool for simulating many
 * phones), and their embeddings through a trunk run with LiteRT.js, preprocessed the way the model's report says.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preprocessImage, type ImageSpec } from '@offgrid/features';
import { TfliteSession } from '@offgrid/tflite';
import type { GrayImages } from '../automl/fashion-mnist-data.ts';

/** Embeddings `n × size` row-major and the class of each (in the model's label order). */
export interface Embedded {
  embeddings: Float32Array;
  targets: Int32Array;
  size: number;
}

/** The model input of image `index`: gray → RGB (what decoding its PNG gives), then the report's preprocessing. */
export function modelInput(images: GrayImages, index: number, spec: ImageSpec): Float32Array {
  const size = images.rows * images.cols;
  const rgb = new Uint8Array(size * 3);
  for (let p = 0; p < size; p++) rgb.fill(images.pixels[index * size + p], p * 3, p * 3 + 3);
  return preprocessImage({ width: images.cols, height: images.rows, data: rgb }, spec);
}

const CACHE = join(tmpdir(), 'offgrid-fed-embeddings');

/**
 * Runs `trunk` (a .tflite whose output is the embedding) on the images at `indices`, one at a time as a phone does.
 * Cached under the system's temp folder by trunk bytes, preprocessing and indices, so reruns of the bench skip it.
 */
export async function embed(trunk: Uint8Array, images: GrayImages, indices: readonly number[], spec: ImageSpec, classOf: readonly number[]): Promise<Embedded & { seconds: number }> {
  const key = createHash('sha256').update(trunk).update(JSON.stringify(spec)).update(Int32Array.from(indices)).update(images.pixels.subarray(0, 784)).digest('hex').slice(0, 24);
  const file = join(CACHE, `${key}.bin`);
  const targets = Int32Array.from(indices, (i) => classOf[images.labels[i]]);
  if (existsSync(file)) {
    const bytes = readFileSync(file);
    const embeddings = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    return { embeddings, targets, size: embeddings.length / indices.length, seconds: 0 };
  }
  const started = performance.now();
  const session = await TfliteSession.create(trunk);
  try {
    const size = session.outputShapes[0].reduce((p, d) => p * d, 1);
    const embeddings = new Float32Array(indices.length * size);
    for (let k = 0; k < indices.length; k++) {
      const [out] = await session.run([modelInput(images, indices[k], spec)]);
      embeddings.set(out, k * size);
    }
    mkdirSync(CACHE, { recursive: true });
    writeFileSync(file, new Uint8Array(embeddings.buffer));
    return { embeddings, targets, size, seconds: (performance.now() - started) / 1000 };
  } finally {
    session.close();
  }
}

/** Rows `rows` of an embedded set, as a new set. */
export function subset(set: Embedded, rows: readonly number[]): Embedded {
  const embeddings = new Float32Array(rows.length * set.size);
  rows.forEach((row, k) => embeddings.set(set.embeddings.subarray(row * set.size, (row + 1) * set.size), k * set.size));
  return { embeddings, targets: Int32Array.from(rows, (row) => set.targets[row]), size: set.size };
}
