import * as tf from '@tensorflow/tfjs';
import type { Random } from '../util/random.ts';

export interface ImageGeometry {
  height: number;
  width: number;
  channels: number;
}

/** Copies one HWC image mirrored left–right into `target` at `offset`. */
function writeFlipped(image: Float32Array, target: Float32Array, offset: number, g: ImageGeometry): void {
  const rowLength = g.width * g.channels;
  for (let y = 0; y < g.height; y++) {
    const row = y * rowLength;
    for (let x = 0; x < g.width; x++) {
      const from = row + x * g.channels;
      const to = offset + row + (g.width - 1 - x) * g.channels;
      for (let c = 0; c < g.channels; c++) target[to + c] = image[from + c];
    }
  }
}

/**
 * Packs the images at `indices` into one NHWC tensor. With a generator, each image is mirrored
 * with probability ½ (cheap augmentation done in JS while wasm is idle, and seeded).
 */
export function imageBatch(
  images: readonly Float32Array[],
  indices: readonly number[],
  g: ImageGeometry,
  flipRandom?: Random,
): tf.Tensor4D {
  const size = g.height * g.width * g.channels;
  const buffer = new Float32Array(indices.length * size);
  indices.forEach((imageIndex, i) => {
    const image = images[imageIndex];
    if (flipRandom && flipRandom.next() < 0.5) writeFlipped(image, buffer, i * size, g);
    else buffer.set(image, i * size);
  });
  return tf.tensor4d(buffer, [indices.length, g.height, g.width, g.channels]);
}

export function labelBatch(targets: readonly number[], indices: readonly number[]): tf.Tensor1D {
  return tf.tensor1d(Int32Array.from(indices, (i) => targets[i]), 'int32');
}

/** Consecutive slices of `indices`, the last one possibly shorter. */
export function chunk(indices: readonly number[], batchSize: number): number[][] {
  const chunks: number[][] = [];
  for (let start = 0; start < indices.length; start += batchSize) chunks.push(indices.slice(start, start + batchSize));
  return chunks;
}
