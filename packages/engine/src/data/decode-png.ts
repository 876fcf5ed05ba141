// The common PNG in a training folder (8-bit gray, gray+alpha, RGB or RGBA, not interlaced, no colour profile)
// decoded in plain TypeScript: sharp spends about 1 ms setting up each image, 30× what inflating a 28×28 one
// costs, so 60,000 small PNGs took a minute. Anything else (palettes, 16 bits, interlacing, ICC profiles,
// EXIF orientation) is left to sharp, which decodes every format: the result must be what sharp gives.
import { inflateSync } from 'node:zlib';
import type { RgbImage } from '@offgrid/features';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Colour type → channels: gray, RGB, gray + alpha, RGBA (3, palette, is sharp's). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };
/** Chunks that change what the pixels mean (colour profile, orientation): sharp applies them. */
const LEFT_TO_SHARP = new Set(['iCCP', 'eXIf']);
/**
 * Larger pictures go to sharp: its fixed cost no longer matters, and it inflates on its own threads where this
 * would hold the event loop (the server decodes training images while it answers phones).
 */
export const SIMPLE_PNG_MAX_PIXELS = 256 * 256;

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((value, i) => bytes[i] === value);
}

/**
 * RGB pixels of a small, simple PNG, or undefined when sharp should decode it (larger ones, other formats and
 * features; sharp also enforces the pixel limit). Throws on a corrupt or truncated file.
 */
export function decodeSimplePng(bytes: Uint8Array): RgbImage | undefined {
  if (!isPng(bytes)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0;
  let height = 0;
  let channels = 0;
  const compressed: Uint8Array[] = [];
  let offset = 8;
  let ended = false;
  while (offset + 8 <= bytes.length) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(bytes[offset + 4], bytes[offset + 5], bytes[offset + 6], bytes[offset + 7]);
    const data = offset + 8;
    if (data + length + 4 > bytes.length) throw new Error('Corrupt PNG: a chunk runs past the end of the file (truncated?).');
    if (type === 'IHDR') {
      width = view.getUint32(data);
      height = view.getUint32(data + 4);
      const [bitDepth, colourType, , , interlace] = bytes.subarray(data + 8, data + 13);
      if (bitDepth !== 8 || interlace !== 0 || !(colourType in CHANNELS)) return undefined;
      channels = CHANNELS[colourType];
      if (width === 0 || height === 0) throw new Error('Corrupt PNG: zero width or height.');
      if (width * height > SIMPLE_PNG_MAX_PIXELS) return undefined;
    } else if (LEFT_TO_SHARP.has(type)) {
      return undefined;
    } else if (type === 'IDAT') {
      compressed.push(bytes.subarray(data, data + length));
    } else if (type === 'IEND') {
      ended = true;
      break;
    }
    offset = data + length + 4;
  }
  if (channels === 0) throw new Error('Corrupt PNG: no IHDR chunk.');
  if (!ended || compressed.length === 0) throw new Error('Corrupt PNG: truncated (no image data end).');
  const stride = width * channels;
  const expected = (stride + 1) * height;
  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.concat(compressed), { maxOutputLength: expected });
  } catch (error) {
    throw new Error(`Corrupt PNG: ${(error as Error).message}`, { cause: error });
  }
  if (raw.length !== expected) throw new Error(`Corrupt PNG: ${raw.length} bytes of pixel data, ${expected} expected.`);
  return { width, height, data: toRgb(unfilter(raw, stride, height, channels), width * height, channels) };
}

/** Undoes PNG's per-row filters (None, Sub, Up, Average, Paeth) in place; returns the rows without filter bytes. */
function unfilter(raw: Uint8Array, stride: number, height: number, bpp: number): Uint8Array {
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = out.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? out.subarray((y - 1) * stride, y * stride) : undefined;
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? row[x - bpp] : 0;
      const b = up ? up[x] : 0;
      switch (filter) {
        case 0: row[x] = line[x]; break;
        case 1: row[x] = line[x] + a; break;
        case 2: row[x] = line[x] + b; break;
        case 3: row[x] = line[x] + ((a + b) >> 1); break;
        case 4: {
          const c = up && x >= bpp ? up[x - bpp] : 0;
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          row[x] = line[x] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default: throw new Error(`Corrupt PNG: unknown row filter ${filter}.`);
      }
    }
  }
  return out;
}

/** Gray is copied to three channels and alpha dropped, as sharp's `removeAlpha().toColourspace('srgb')` does. */
function toRgb(pixels: Uint8Array, count: number, channels: number): Uint8Array {
  if (channels === 3) return pixels;
  const rgb = new Uint8Array(count * 3);
  for (let i = 0; i < count; i++) {
    const source = i * channels;
    if (channels >= 3) {
      rgb[i * 3] = pixels[source];
      rgb[i * 3 + 1] = pixels[source + 1];
      rgb[i * 3 + 2] = pixels[source + 2];
    } else {
      rgb.fill(pixels[source], i * 3, i * 3 + 3);
    }
  }
  return rgb;
}
