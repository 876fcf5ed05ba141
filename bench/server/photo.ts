import sharp from 'sharp';

/**
 * A photo-like JPEG (224x224 by default): a colour gradient plus seeded noise, so every seed gives distinct bytes
 * that compress like a photo (~20 KiB at 224x224). Shared by the server benches.
 */
export async function photo(seed: number, size = 224): Promise<Uint8Array<ArrayBuffer>> {
  const pixels = Buffer.alloc(size * size * 3);
  let state = (seed * 2654435761) % 2 ** 32;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (let c = 0; c < 3; c++) {
        state = (state * 1664525 + 1013904223) % 2 ** 32;
        pixels[(y * size + x) * 3 + c] = ((x * (c + 1) + y * (3 - c) + seed * 37) % 256 + (state % 31)) & 255;
      }
    }
  }
  const jpeg = await sharp(pixels, { raw: { width: size, height: size, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
  return new Uint8Array(jpeg); // a copy on its own ArrayBuffer: what fetch's body type accepts
}

export function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

/** Count, rate and p50/p99/max of latencies (ms) over a window of `seconds`. */
export function summary(latencies: number[], seconds: number) {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { requests: sorted.length, perSecond: +(sorted.length / seconds).toFixed(1), p50Ms: +percentile(sorted, 50).toFixed(1), p99Ms: +percentile(sorted, 99).toFixed(1), maxMs: +(sorted.at(-1) ?? NaN).toFixed(1) };
}
