import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHead } from './head.ts';
import { HEAD_FORMAT, applyDelta, clipToNorm, decodeFloats, decodeHead, deltaLength, encodeFloats, encodeHead, headDelta, l2Norm } from './update.ts';

test('headDelta is weights then bias; applyDelta(base, delta) gives the trained head back', () => {
  const base = createHead(5, 3, { seed: 1 });
  const trained = createHead(5, 3, { seed: 2 });
  trained.bias.set([0.5, -0.25, 2]);
  const delta = headDelta(base, trained);
  assert.equal(delta.length, deltaLength(base));
  assert.equal(delta.length, 3 * 5 + 3);
  assert.equal(delta[0], Math.fround(trained.weights[0] - base.weights[0]));
  assert.deepEqual([...delta.subarray(15)], [0.5, -0.25, 2]);
  const back = applyDelta(base, delta);
  for (let i = 0; i < 15; i++) assert.ok(Math.abs(back.weights[i] - trained.weights[i]) <= 2 ** -22, `weight ${i}`);
  assert.deepEqual(back.bias, trained.bias);
  const half = applyDelta(base, delta, 0.5);
  assert.equal(half.bias[2], 1);
  assert.throws(() => applyDelta(base, new Float32Array(17)), /17 values, a 3×5 head needs 18 \(weights then bias\)/);
  assert.throws(() => headDelta(base, createHead(4, 3)), /differ in shape \(base 3×5, trained 3×4\)/);
});

test('l2Norm and clipToNorm', () => {
  const delta = Float32Array.of(3, 4);
  assert.equal(l2Norm(delta), 5);
  const kept = clipToNorm(delta, 5);
  assert.deepEqual(kept, { delta, norm: 5, clipped: false });
  const cut = clipToNorm(delta, 1);
  assert.equal(cut.clipped, true);
  assert.equal(cut.norm, 5);
  assert.deepEqual([...cut.delta], [Math.fround(0.6), Math.fround(0.8)]);
  assert.ok(Math.abs(l2Norm(cut.delta) - 1) < 1e-7);
  assert.deepEqual([...delta], [3, 4], 'the input is not modified');
  assert.throws(() => clipToNorm(Float32Array.of(1, NaN), 1), /holds NaN at index 1; reject it \(checkUpdate\)/);
  assert.throws(() => clipToNorm(delta, 0), /maxNorm must be a positive number/);
});

test('encodeFloats/decodeFloats: bit-exact little-endian float32, −0 and subnormals included', () => {
  const values = Float32Array.of(0, -0, 1, -1.5, Math.PI, 1.4e-45, -1.4e-45, 1.1754942e-38, 3.4028234663852886e38, -Infinity, Infinity);
  const text = encodeFloats(values);
  assert.equal(encodeFloats(Float32Array.of(1)), 'AACAPw==', '1.0f is 00 00 80 3f little-endian');
  const back = decodeFloats(text);
  assert.deepEqual(new Uint32Array(back.buffer), new Uint32Array(values.buffer));
  assert.ok(Object.is(back[1], -0));
  assert.equal(back[5], values[5]);
  assert.notEqual(back[5], 0, 'the smallest subnormal survives');
  assert.equal(decodeFloats('').length, 0);
  const large = Float32Array.from({ length: 50_001 }, (_, i) => Math.sin(i) * 1e3); // spans several encoding chunks
  assert.deepEqual(decodeFloats(encodeFloats(large)), large);
  const view = large.subarray(7, 20); // a view at an offset encodes only its own values
  assert.deepEqual(decodeFloats(encodeFloats(view)), view);
  assert.throws(() => decodeFloats('AACAPw='), /not base64 \(length 7, not a multiple of 4\)/);
  assert.throws(() => decodeFloats('AAC*Pw=='), /characters outside/);
  assert.throws(() => decodeFloats('AACA'), /3 bytes is not a whole number of float32s/);
});

test('encodeHead/decodeHead: JSON round trip, format checked', () => {
  const head = createHead(6, 4, { seed: 3 });
  head.bias.set([1, -2, 0.125, -0]);
  const json = JSON.parse(JSON.stringify(encodeHead(head)));
  assert.equal(json.format, HEAD_FORMAT);
  assert.equal(json.format, 'offgrid.head.v1');
  assert.deepEqual(decodeHead(json), head);
  assert.throws(() => decodeHead({ ...json, format: 'other' }), /format is "other", expected 'offgrid.head.v1'/);
  assert.throws(() => decodeHead({ ...json, inputSize: 5 }), /weights must be a Float32Array of numClasses × inputSize = 20 numbers/);
  assert.throws(() => decodeHead({ ...json, bias: encodeFloats(Float32Array.of(0, NaN, 0, 0)) }), /bias\[1\] is NaN/);
  assert.throws(() => decodeHead(null), /expected an object/);
});
