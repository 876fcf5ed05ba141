/// <reference types="node" />
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { preprocessImage, rgbaToRgb } from '@offgrid/features';
import { FramePreprocessor } from './preprocess.ts';

function randomRgba(size: number, seed: number): Uint8ClampedArray {
  const data = new Uint8ClampedArray(size * size * 4);
  let state = seed;
  for (let i = 0; i < data.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    data[i] = state >>> 24;
  }
  return data;
}

it('equals @offgrid/features preprocessImage bit for bit, reusing its output buffer', () => {
  for (const [size, spec] of [
    [128, { width: 32, height: 32, mean: 127.5, std: 127.5 }],
    [128, { width: 48, height: 40, mean: 0, std: 255 }],
    [30, { width: 64, height: 64, mean: 127.5, std: 127.5 }],
  ] as const) {
    const pre = new FramePreprocessor(size, spec);
    for (const seed of [1, 2]) {
      const rgba = randomRgba(size, seed);
      const expected = preprocessImage(rgbaToRgb(rgba, size, size), spec);
      const actual = pre.run(rgba);
      assert.equal(actual, pre.output, 'same buffer every call');
      assert.deepEqual(actual, expected, `${size} → ${spec.width}x${spec.height}, seed ${seed}`);
    }
  }
});
