import sharp from 'sharp';

/** A real JPEG of one colour with a little seeded noise, so every call with a new seed gives new bytes. */
export async function jpegOf(rgb: [number, number, number], seed: number, size = 64): Promise<Buffer> {
  const pixels = Buffer.alloc(size * size * 3);
  let state = seed * 2654435761 % 2 ** 32;
  for (let i = 0; i < pixels.length; i++) {
    state = (state * 1664525 + 1013904223) % 2 ** 32;
    pixels[i] = Math.max(0, Math.min(255, rgb[i % 3] + (state % 41) - 20));
  }
  return sharp(pixels, { raw: { width: size, height: size, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}
