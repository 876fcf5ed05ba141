import { test } from 'node:test';
import assert from 'node:assert/strict';
import { float16Bits, float16ToNumber, toFloat16Weights } from './float16.ts';
import { GraphBuilder } from './graph-builder.ts';
import { runTflite } from './litert-node.ts';
import { parseModel } from './reader.ts';
import { serializeModel } from './writer.ts';

test('float16 bits: exact values, rounding to nearest even, subnormals, overflow', () => {
  const cases: [number, number][] = [
    [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [65520, 0x7c00], [1e6, 0x7c00],
    [2 ** -24, 0x0001], [2 ** -14, 0x0400], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [Infinity, 0x7c00],
  ];
  for (const [value, bits] of cases) assert.equal(float16Bits(value), bits, `${value}`);
  for (let bits = 0; bits < 0x7c00; bits += 37) assert.equal(float16Bits(float16ToNumber(bits)), bits, 'round trip');
  assert.ok(Number.isNaN(float16ToNumber(float16Bits(NaN))));
});

test('float16 weights: constants stored as float16 + DEQUANTIZE, same results in LiteRT.js', async () => {
  const g = new GraphBuilder();
  const x = g.input('x', [1, 8]);
  const w = Float32Array.from({ length: 32 }, (_, i) => Math.sin(i) / 3);
  const y = g.op('FULLY_CONNECTED', [x, g.constant('w', [4, 8], w), g.constant('b', [4], Float32Array.from([0.1, -0.2, 0.3, 0]))], { activation: 'relu' });
  g.output(g.op('RESHAPE', [y, g.constant('shape', [2], Int32Array.from([1, 4]))], { newShape: [1, 4] }));
  const model = g.toModel();
  const half = toFloat16Weights(model);
  const parsed = parseModel(serializeModel(half));
  assert.deepEqual(parsed.operators.map((o) => o.op), ['DEQUANTIZE', 'DEQUANTIZE', 'FULLY_CONNECTED', 'RESHAPE']);
  assert.equal(parsed.tensors.find((t) => t.name === 'w')?.dtype, 'float16');
  assert.equal(parsed.tensors.find((t) => t.name === 'shape')?.dtype, 'int32', 'int32 constants stay');
  const input = Float32Array.from({ length: 8 }, (_, i) => i - 3);
  const [want] = await runTflite(serializeModel(model), [input]);
  const [got] = await runTflite(serializeModel(half), [input]);
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 2e-3, `${v} vs ${want[i]}`));
});
