import type { Random } from '../util/random.ts';

/**
 * Seeded on-the-fly image augmentation, done in JS per training image while wasm is idle. Every
 * field is off when absent. Geometric changes share one inverse affine map with bilinear sampling
 * and edge clamping; photometric changes act on the normalised values.
 */
export interface ImageAugmentation {
  /** Mirror left–right with probability ½. */
  flip?: boolean;
  /** Rotate by a uniform angle in ±degrees. */
  rotationDegrees?: number;
  /** Scale by a uniform factor in [1 − zoom, 1 + zoom] (> 1 zooms in, i.e. a random crop). */
  zoom?: number;
  /** Shift by a uniform fraction of the size in ±translate, both axes. */
  translate?: number;
  /** Add a uniform delta in ±brightness (same units as the normalised values). */
  brightness?: number;
  /** Scale around the image mean by a uniform factor in [1 − contrast, 1 + contrast]. */
  contrast?: number;
}

export function hasAugmentation(a: ImageAugmentation | undefined): a is ImageAugmentation {
  return !!a && (!!a.flip || !!a.rotationDegrees || !!a.zoom || !!a.translate || !!a.brightness || !!a.contrast);
}

/**
 * Writes an augmented copy of one HWC image into `target` at `offset`. Draws a fixed number of
 * random values per enabled transform, so a seed gives the same stream whatever the image holds.
 */
export function augmentImage(
  image: Float32Array, target: Float32Array, offset: number,
  [height, width, channels]: readonly number[], a: ImageAugmentation, random: Random,
): void {
  const flip = a.flip ? random.next() < 0.5 : false;
  const angle = a.rotationDegrees ? ((random.next() * 2 - 1) * a.rotationDegrees * Math.PI) / 180 : 0;
  const scale = a.zoom ? 1 + (random.next() * 2 - 1) * a.zoom : 1;
  const shiftX = a.translate ? (random.next() * 2 - 1) * a.translate * width : 0;
  const shiftY = a.translate ? (random.next() * 2 - 1) * a.translate * height : 0;
  const delta = a.brightness ? (random.next() * 2 - 1) * a.brightness : 0;
  const contrast = a.contrast ? 1 + (random.next() * 2 - 1) * a.contrast : 1;
  const size = height * width * channels;
  const geometric = angle !== 0 || scale !== 1 || shiftX !== 0 || shiftY !== 0;

  if (!geometric) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const from = (y * width + (flip ? width - 1 - x : x)) * channels;
        const to = offset + (y * width + x) * channels;
        for (let c = 0; c < channels; c++) target[to + c] = image[from + c];
      }
    }
  } else {
    // Output pixel (x, y) samples the source at centre + R(−angle)·((x, y) − centre − shift) / scale.
    const cx = (width - 1) / 2;
    const cy = (height - 1) / 2;
    const cos = Math.cos(angle) / scale;
    const sin = Math.sin(angle) / scale;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const dx = (flip ? width - 1 - x : x) - cx - shiftX;
        const dy = y - cy - shiftY;
        const sx = Math.min(Math.max(cx + cos * dx + sin * dy, 0), width - 1);
        const sy = Math.min(Math.max(cy - sin * dx + cos * dy, 0), height - 1);
        const x0 = Math.floor(sx);
        const y0 = Math.floor(sy);
        const x1 = Math.min(x0 + 1, width - 1);
        const y1 = Math.min(y0 + 1, height - 1);
        const fx = sx - x0;
        const fy = sy - y0;
        const to = offset + (y * width + x) * channels;
        for (let c = 0; c < channels; c++) {
          const top = image[(y0 * width + x0) * channels + c] * (1 - fx) + image[(y0 * width + x1) * channels + c] * fx;
          const bottom = image[(y1 * width + x0) * channels + c] * (1 - fx) + image[(y1 * width + x1) * channels + c] * fx;
          target[to + c] = top * (1 - fy) + bottom * fy;
        }
      }
    }
  }
  if (delta !== 0 || contrast !== 1) {
    let mean = 0;
    for (let i = 0; i < size; i++) mean += target[offset + i];
    mean /= size;
    for (let i = 0; i < size; i++) target[offset + i] = (target[offset + i] - mean) * contrast + mean + delta;
  }
}
