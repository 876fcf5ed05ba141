import { test } from 'node:test';
import assert from 'node:assert/strict';
import { centerCropSquare, preprocessImage, resizeArea, rgbaToRgb, type RgbImage } from './index.ts';

function image(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 3);
  return { width, height, data };
}

test('rgbaToRgb drops alpha and checks the length', () => {
  const rgb = rgbaToRgb(new Uint8Array([1, 2, 3, 255, 4, 5, 6, 0]), 2, 1);
  assert.deepEqual([...rgb.data], [1, 2, 3, 4, 5, 6]);
  assert.throws(() => rgbaToRgb(new Uint8Array(7), 2, 1), /expected 8 bytes/);
});

test('centerCropSquare keeps the middle of a landscape picture', () => {
  const wide = image(4, 2, (x) => [x, 0, 0]);
  const square = centerCropSquare(wide);
  assert.equal(square.width, 2);
  assert.deepEqual([...square.data].filter((_, i) => i % 3 === 0), [1, 2, 1, 2]);
});

test('resizeArea averages exactly the covered area', () => {
  // 4x4 checkerboard of 2x2 blocks: each output pixel of a 2x2 resize is one block.
  const blocks = image(4, 4, (x, y) => ((x >> 1) + (y >> 1)) % 2 ? [200, 100, 0] : [0, 50, 250]);
  assert.deepEqual([...resizeArea(blocks, 2, 2)], [0, 50, 250, 200, 100, 0, 200, 100, 0, 0, 50, 250]);
  // Non-integer ratio: 3 -> 2 splits the middle pixel half and half.
  const ramp = image(3, 1, (x) => [x * 30, 0, 0]);
  const out = resizeArea(ramp, 2, 1);
  assert.ok(Math.abs(out[0] - (0 * 2 / 3 + 30 / 3)) < 1e-4);
  assert.ok(Math.abs(out[3] - (30 / 3 + 60 * 2 / 3)) < 1e-4);
});

test('resizeArea keeps the mean brightness when shrinking a noisy picture', () => {
  let seed = 7;
  const noisy = image(97, 61, () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return [seed % 256, 0, 0]; });
  const meanOf = (values: ArrayLike<number>) => Array.from(values).filter((_, i) => i % 3 === 0).reduce((a, b) => a + b, 0) / (values.length / 3);
  assert.ok(Math.abs(meanOf(resizeArea(noisy, 97, 61)) - meanOf(noisy.data)) < 1e-3);
  assert.ok(Math.abs(meanOf(resizeArea(noisy, 13, 7)) - meanOf(noisy.data)) < 1);
});

test('preprocessImage crops, resizes and normalizes', () => {
  const white = image(64, 48, () => [255, 255, 255]);
  const input = preprocessImage(white, { width: 8, height: 8, mean: 127.5, std: 127.5 });
  assert.equal(input.length, 8 * 8 * 3);
  assert.ok(input.every((v) => Math.abs(v - 1) < 1e-6));
});
