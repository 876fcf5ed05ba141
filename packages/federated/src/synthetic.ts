/**
 * Seeded Gaussian blobs: a synthetic embedding data set for the tests and the bench (not exported by the
 * package). Class c is centred at a random point of the unit cube scaled by `separation`; samples add
 * N(0, spread²) per coordinate.
 */
import { createRandom } from '@offgrid/features';
import { addGaussianNoise } from './fedavg.ts';

export interface Blobs {
  inputSize: number;
  numClasses: number;
  centres: Float64Array;
}

export function createBlobs(seed: number, inputSize: number, numClasses: number, separation = 4): Blobs {
  const random = createRandom(seed);
  const centres = Float64Array.from({ length: numClasses * inputSize }, () => (random.next() * 2 - 1) * separation);
  return { inputSize, numClasses, centres };
}

/** `perClass` samples of each listed class (all classes by default), in class order. */
export function sampleBlobs(blobs: Blobs, seed: number, perClass: number, classes?: readonly number[], spread = 1): { embeddings: Float32Array; targets: Int32Array } {
  const { inputSize } = blobs;
  const wanted = classes ?? Array.from({ length: blobs.numClasses }, (_, c) => c);
  const n = wanted.length * perClass;
  const noise = new Float64Array(n * inputSize);
  addGaussianNoise(noise, spread, createRandom(seed));
  const embeddings = new Float32Array(n * inputSize);
  const targets = new Int32Array(n);
  for (let s = 0; s < n; s++) {
    const c = wanted[Math.floor(s / perClass)];
    targets[s] = c;
    for (let i = 0; i < inputSize; i++) embeddings[s * inputSize + i] = blobs.centres[c * inputSize + i] + noise[s * inputSize + i];
  }
  return { embeddings, targets };
}
