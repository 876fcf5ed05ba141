/**
 * Fashion-MNIST from Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist): the raw IDX files,
 * the search's RGB input view, and a stratified order whose every prefix keeps the classes balanced.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createRandom } from '@offgrid/engine';
import { shuffleInPlace } from '../../packages/engine/src/util/random.ts';
import type { LoadedDataset } from '@offgrid/engine/data';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_MNIST_LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** One split as stored: `count` gray images of rows×cols bytes, and their labels. */
export interface GrayImages {
  pixels: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

export function readFashionMnist(split: 'train' | 't10k', limit = Infinity): GrayImages {
  const file = (name: string) => join(FASHION_MNIST_DIR, `${split}-${name}-ubyte.gz`);
  let images: Buffer;
  let labels: Buffer;
  try {
    [images, labels] = [gunzipSync(readFileSync(file('images-idx3'))), gunzipSync(readFileSync(file('labels-idx1')))];
  } catch (error) {
    throw new Error(`Fashion-MNIST ${split} split not readable under ${FASHION_MNIST_DIR} (apt-get install dataset-fashion-mnist): ${(error as Error).message}`, { cause: error });
  }
  const count = Math.min(limit, images.readUInt32BE(4));
  const [rows, cols] = [images.readUInt32BE(8), images.readUInt32BE(12)];
  return { pixels: images.subarray(16, 16 + count * rows * cols), labels: labels.subarray(8, 8 + count), count, rows, cols };
}

/**
 * The images at `indices` as RGB floats (gray copied to 3 channels; MediaPipe's ImageClassifier wants [1, H, W, 3]):
 * value = (pixel − mean) / std.
 */
export function grayToRgb(images: GrayImages, indices: readonly number[], mean: number, std: number): Float32Array {
  const size = images.rows * images.cols;
  const x = new Float32Array(indices.length * size * 3);
  indices.forEach((index, i) => {
    for (let p = 0; p < size; p++) x.fill((images.pixels[index * size + p] - mean) / std, (i * size + p) * 3, (i * size + p) * 3 + 3);
  });
  return x;
}

/** A split as the `offgrid train` pipeline takes it: RGB in [-1, 1] ((pixel − 127.5) / 127.5). */
export function loadFashionMnist(split: 'train' | 't10k', limit = Infinity): LoadedDataset {
  const images = readFashionMnist(split, limit);
  const all = Array.from({ length: images.count }, (_, i) => i);
  return {
    kind: 'image', labels: FASHION_MNIST_LABELS, shape: [images.rows, images.cols, 3], x: grayToRgb(images, all, 127.5, 127.5),
    targets: Int32Array.from(images.labels), sources: [], imageNormalization: { mean: 127.5, std: 127.5 }, skipped: [],
  };
}

/**
 * All indices, each class shuffled (seeded), then dealt round-robin across classes: any prefix is a stratified
 * sample, so work cut off by a time budget still sees every class equally.
 */
export function stratifiedOrder(labels: ArrayLike<number>, seed: number): number[] {
  const random = createRandom(seed);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const members = byClass.get(labels[i]) ?? [];
    members.push(i);
    byClass.set(labels[i], members);
  }
  const queues = [...byClass.keys()].sort((a, b) => a - b).map((label) => shuffleInPlace(byClass.get(label)!, random));
  const order: number[] = [];
  for (let round = 0; order.length < labels.length; round++) for (const queue of queues) if (round < queue.length) order.push(queue[round]);
  return order;
}
