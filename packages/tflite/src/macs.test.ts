import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder } from './graph-builder.ts';
import { countMacs } from './macs.ts';
import { parseModel } from './reader.ts';
import { serializeModel } from './writer.ts';

test('countMacs: convolutions, depthwise convolutions and fully connected layers, per inference', () => {
  const g = new GraphBuilder('macs');
  const x = g.input('image', [1, 8, 8, 3]);
  // 3x3 conv, 3 → 4 channels, stride 2, same: 4x4x4 outputs × 27 products = 1,728
  const conv = g.op('CONV_2D', [x, g.constant('conv/w', [4, 3, 3, 3], new Float32Array(108)), g.constant('conv/b', [4], new Float32Array(4))], { padding: 'same', strideH: 2, strideW: 2 });
  // 3x3 depthwise on 4x4x4, same: 64 outputs × 9 = 576
  const dw = g.op('DEPTHWISE_CONV_2D', [conv, g.constant('dw/w', [1, 3, 3, 4], new Float32Array(36)), null], { padding: 'same' });
  const pooled = g.op('MEAN', [g.op('ADD', [conv, dw]), g.constant('axes', [2], Int32Array.from([1, 2]))]);
  // 4 → 5 units: 20
  const fc = g.op('FULLY_CONNECTED', [g.op('RESHAPE', [pooled], { newShape: [1, -1] }), g.constant('fc/w', [5, 4], new Float32Array(20)), g.constant('fc/b', [5], new Float32Array(5))]);
  g.output(g.op('SOFTMAX', [fc], { beta: 1 }));
  const model = g.toModel();
  assert.equal(countMacs(model), 1728 + 576 + 20);
  assert.equal(countMacs(parseModel(serializeModel(model))), 1728 + 576 + 20, 'the same from a file');
});
