import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { decodeImage } from './decode-image.ts';
import { SIMPLE_PNG_MAX_PIXELS, decodeSimplePng } from './decode-png.ts';

/** Seeded noise with some smooth areas, so sharp's adaptive filtering picks every row filter somewhere. */
function pixels(width: number, height: number, channels: number, seed: number): Buffer {
  const data = Buffer.alloc(width * height * channels);
  let state = seed;
  for (let i = 0; i < data.length; i++) {
    state = (state * 1664525 + 1013904223) >>> 0;
    const y = Math.floor(i / (width * channels));
    data[i] = y % 3 === 0 ? (state >>> 24) : (i * 7 + y * 13) & 0xff;
  }
  return data;
}

/** What sharp itself decodes (the reference every other PNG goes through). */
async function viaSharp(png: Buffer): Promise<Uint8Array> {
  const { data } = await sharp(png).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data);
}

test('small 8-bit PNGs of every colour type decode to exactly what sharp gives, for every row filter', async () => {
  let decoded = 0;
  for (const channels of [1, 2, 3, 4]) {
    for (const [width, height] of [[28, 28], [31, 7], [1, 1], [64, 40]]) {
      for (const adaptiveFiltering of [false, true]) {
        const image = sharp(pixels(width, height, channels, width + channels), { raw: { width, height, channels: channels as 1 | 2 | 3 | 4 } });
        const png = await (channels < 3 ? image.toColourspace('b-w') : image).png({ adaptiveFiltering, compressionLevel: 9 }).toBuffer();
        assert.equal(png[25], { 1: 0, 2: 4, 3: 2, 4: 6 }[channels], 'IHDR colour type: gray, gray + alpha, RGB, RGBA');
        const fast = decodeSimplePng(png);
        assert.ok(fast, `${channels} channels ${width}×${height} takes the fast path`);
        assert.deepEqual([fast.width, fast.height], [width, height]);
        assert.deepEqual(fast.data, await viaSharp(png), `${channels} channels ${width}×${height} adaptive ${adaptiveFiltering}`);
        decoded++;
      }
    }
  }
  assert.equal(decoded, 32);
});

test('palettes, 16 bits, interlacing, colour profiles and large pictures are left to sharp', async () => {
  const rgb = pixels(16, 16, 3, 5);
  const raw = { raw: { width: 16, height: 16, channels: 3 as const } };
  const leftToSharp = {
    palette: await sharp(rgb, raw).png({ palette: true }).toBuffer(),
    '16 bits': await sharp(rgb, raw).toColourspace('rgb16').png().toBuffer(),
    interlaced: await sharp(rgb, raw).png({ progressive: true }).toBuffer(),
    'ICC profile': await sharp(rgb, raw).withIccProfile('p3').png().toBuffer(),
    large: await sharp(pixels(300, 300, 1, 1), { raw: { width: 300, height: 300, channels: 1 } }).png().toBuffer(),
    JPEG: await sharp(rgb, raw).jpeg().toBuffer(),
  };
  assert.ok(300 * 300 > SIMPLE_PNG_MAX_PIXELS);
  for (const [what, bytes] of Object.entries(leftToSharp)) {
    assert.equal(decodeSimplePng(bytes), undefined, what);
    assert.equal((await decodeImage(bytes)).data.length, what === 'large' ? 300 * 300 * 3 : 16 * 16 * 3, `${what}: decodeImage still reads it`);
  }
});

test('corrupt and truncated PNGs are refused with a reason, never decoded to garbage', async () => {
  const png = await sharp(pixels(28, 28, 1, 3), { raw: { width: 28, height: 28, channels: 1 } }).toColourspace('b-w').png().toBuffer();
  assert.throws(() => decodeSimplePng(png.subarray(0, png.length - 20)), /Corrupt PNG: .*truncated|runs past the end/);
  assert.throws(() => decodeSimplePng(png.subarray(0, 40)), /Corrupt PNG/);
  // A valid stream of the wrong size, and one that inflates far past what the header announces (a bomb).
  const withData = (data: Buffer) => {
    const idat = Buffer.alloc(12 + data.length);
    idat.writeUInt32BE(data.length, 0);
    idat.write('IDAT', 4, 'latin1');
    data.copy(idat, 8);
    const ihdrEnd = 8 + 25;
    return Buffer.concat([png.subarray(0, ihdrEnd), idat, Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82])]);
  };
  assert.throws(() => decodeSimplePng(withData(deflateSync(Buffer.alloc(100)))), /100 bytes of pixel data, 812 expected/);
  assert.throws(() => decodeSimplePng(withData(deflateSync(Buffer.alloc(50_000_000)))), /Corrupt PNG/);
  const badFilter = Buffer.alloc(29 * 28);
  badFilter[0] = 9;
  assert.throws(() => decodeSimplePng(withData(deflateSync(badFilter))), /unknown row filter 9/);
  await assert.rejects(decodeImage(png.subarray(0, png.length - 20)), /Corrupt PNG/);
});
