/**
 * Fashion-MNIST images as a user holds them: PNG files in label folders (`<dir>/<label>/<n>.png`, gray 8-bit,
 * encoded by sharp), the input of `offgrid train <folder>`. Shared by the AutoML folder bench and the federated bench.
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { FASHION_MNIST_LABELS, type GrayImages } from './fashion-mnist-data.ts';

/** A label as a folder name ("T-shirt/top" → "T-shirt-top"). */
export const folderOf = (label: string) => label.replace(/\//g, '-');

/** One image as the PNG file bytes the folders hold. */
export function grayPng(images: GrayImages, index: number): Promise<Buffer> {
  const size = images.rows * images.cols;
  return sharp(images.pixels.subarray(index * size, (index + 1) * size), { raw: { width: images.cols, height: images.rows, channels: 1 } }).png().toBuffer();
}

/**
 * The images at `indices` (all by default) as `<dir>/<label>/<index>.png`, written to a temporary name first so a
 * cut-off run is not reused; an existing `dir` is kept as it is.
 */
export async function writePngFolders(images: GrayImages, dir: string, indices?: readonly number[]): Promise<void> {
  if (existsSync(dir)) return;
  const partial = `${dir}.partial`;
  for (const label of FASHION_MNIST_LABELS) mkdirSync(join(partial, folderOf(label)), { recursive: true });
  const size = images.rows * images.cols;
  for (const i of indices ?? Array.from({ length: images.count }, (_, k) => k)) {
    const gray = images.pixels.subarray(i * size, (i + 1) * size);
    await sharp(gray, { raw: { width: images.cols, height: images.rows, channels: 1 } }).png().toFile(join(partial, folderOf(FASHION_MNIST_LABELS[images.labels[i]]), `${i}.png`));
  }
  renameSync(partial, dir);
}
