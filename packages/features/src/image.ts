/**
 * Image preprocessing shared by the server (training) and the phone (prediction).
 * Pure TypeScript on plain arrays so both sides compute bit-identical model inputs
 * from the same pixels: no canvas or sharp resampling inside.
 */

/** Interleaved 8-bit RGB pixels, row-major. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** How a picture becomes a model input: centre square crop, area resize, then (pixel - mean) / std. */
export interface ImageSpec {
  width: number;
  height: number;
  mean: number;
  std: number;
}

/** The fixed input of today's image models. */
export const DEFAULT_IMAGE_SPEC: Readonly<ImageSpec> = Object.freeze({ width: 32, height: 32, mean: 127.5, std: 127.5 });

export function rgbaToRgb(data: Uint8ClampedArray | Uint8Array, width: number, height: number): RgbImage {
  const pixels = width * height;
  if (data.length !== pixels * 4) throw new Error(`rgbaToRgb: expected ${pixels * 4} bytes for ${width}x${height} RGBA, got ${data.length}`);
  const rgb = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    rgb[i * 3] = data[i * 4];
    rgb[i * 3 + 1] = data[i * 4 + 1];
    rgb[i * 3 + 2] = data[i * 4 + 2];
  }
  return { width, height, data: rgb };
}

/** The largest centred square: phones capture landscape or portrait, models want squares. */
export function centerCropSquare(image: RgbImage): RgbImage {
  const side = Math.min(image.width, image.height);
  if (side === image.width && side === image.height) return image;
  const left = Math.floor((image.width - side) / 2);
  const top = Math.floor((image.height - side) / 2);
  const out = new Uint8Array(side * side * 3);
  for (let y = 0; y < side; y++) {
    const from = ((top + y) * image.width + left) * 3;
    out.set(image.data.subarray(from, from + side * 3), y * side * 3);
  }
  return { width: side, height: side, data: out };
}

/**
 * Area-weighted resampling (each output pixel averages the exact source area it covers).
 * Unlike bilinear sampling it does not alias when shrinking a photo 20x, and it is exact
 * arithmetic on both platforms.
 */
export function resizeArea(image: RgbImage, width: number, height: number): Float32Array {
  if (width < 1 || height < 1) throw new Error(`resizeArea: invalid target size ${width}x${height}`);
  const xWeights = axisWeights(image.width, width);
  const yWeights = axisWeights(image.height, height);
  const out = new Float32Array(width * height * 3);
  const row = new Float64Array(image.width * 3);
  for (let oy = 0; oy < height; oy++) {
    row.fill(0);
    for (const [sy, wy] of yWeights[oy]) {
      const base = sy * image.width * 3;
      for (let i = 0; i < image.width * 3; i++) row[i] += image.data[base + i] * wy;
    }
    for (let ox = 0; ox < width; ox++) {
      let r = 0, g = 0, b = 0;
      for (const [sx, wx] of xWeights[ox]) {
        r += row[sx * 3] * wx;
        g += row[sx * 3 + 1] * wx;
        b += row[sx * 3 + 2] * wx;
      }
      const o = (oy * width + ox) * 3;
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
    }
  }
  return out;
}

/** For each output index, the source indices it covers and their weights (summing to 1). */
function axisWeights(source: number, target: number): [number, number][][] {
  const scale = source / target;
  const weights: [number, number][][] = [];
  for (let o = 0; o < target; o++) {
    const start = o * scale;
    const end = start + scale;
    const taps: [number, number][] = [];
    if (scale <= 1) {
      // Enlarging: nearest source pixel by centre (area averaging degenerates to this).
      taps.push([Math.min(source - 1, Math.floor((o + 0.5) * scale)), 1]);
    } else {
      for (let s = Math.floor(start); s < Math.min(source, Math.ceil(end)); s++) {
        const covered = Math.min(end, s + 1) - Math.max(start, s);
        if (covered > 0) taps.push([s, covered / scale]);
      }
    }
    weights.push(taps);
  }
  return weights;
}

/** The float32 HxWx3 model input for a picture of any size. */
export function preprocessImage(image: RgbImage, spec: ImageSpec): Float32Array {
  if (image.data.length !== image.width * image.height * 3) {
    throw new Error(`preprocessImage: expected ${image.width * image.height * 3} RGB bytes for ${image.width}x${image.height}, got ${image.data.length}`);
  }
  const input = resizeArea(centerCropSquare(image), spec.width, spec.height);
  for (let i = 0; i < input.length; i++) input[i] = (input[i] - spec.mean) / spec.std;
  return input;
}
