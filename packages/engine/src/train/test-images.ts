import { createRandom } from '../util/random.ts';

/**
 * Trivially separable images for tests: class 0 dark, class 1 bright, with per-pixel noise,
 * already in the normalised range the trainer expects.
 */
export function brightVersusDark(count: number, seed = 7, shape: [number, number, number] = [32, 32, 3]): { images: Float32Array[]; targets: number[] } {
  const random = createRandom(seed);
  const size = shape[0] * shape[1] * shape[2];
  const images: Float32Array[] = [];
  const targets: number[] = [];
  for (let i = 0; i < count; i++) {
    const target = i % 2;
    const level = target === 1 ? 0.6 : -0.6;
    const image = new Float32Array(size);
    for (let p = 0; p < size; p++) image[p] = level + (random.next() - 0.5) * 0.8;
    images.push(image);
    targets.push(target);
  }
  return { images, targets };
}
