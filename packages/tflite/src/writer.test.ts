import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder } from './graph-builder.ts';
import { parseModel } from './reader.ts';
import { serializeModel } from './writer.ts';
import { Table } from './fb.ts';
import { OPS } from './ops.ts';

function sampleGraph(): GraphBuilder {
  const g = new GraphBuilder('classifier');
  const x = g.input('image', [1, 8, 8, 3]);
  const w = g.constant('conv/w', [4, 3, 3, 3], Float32Array.from({ length: 108 }, (_, i) => i / 100));
  const b = g.constant('conv/b', [4], new Float32Array([0.1, -0.2, 0.3, 0]));
  const c = g.op('CONV_2D', [x, w, b], { padding: 'same', strideH: 2, strideW: 2, activation: 'relu6' });
  const dw = g.op('DEPTHWISE_CONV_2D', [c, g.constant('dw/w', [1, 3, 3, 4], new Float32Array(36).fill(0.5)), null], { padding: 'same' });
  const sum = g.op('ADD', [c, dw], { activation: 'relu' });
  const cat = g.op('CONCATENATION', [sum, c], { axis: 3 });
  const padded = g.op('PAD', [cat, g.constant('pads', [4, 2], Int32Array.from([0, 0, 1, 1, 1, 1, 0, 0]))]);
  const pooled = g.op('MAX_POOL_2D', [padded], { filterH: 2, filterW: 2 });
  const mean = g.op('MEAN', [pooled, g.constant('axes', [2], Int32Array.from([1, 2]))]);
  const flat = g.op('RESHAPE', [mean], { newShape: [1, -1] });
  const fc = g.op('FULLY_CONNECTED', [flat, g.constant('fc/w', [3, 8], new Float32Array(24).fill(0.25)), g.constant('fc/b', [3], new Float32Array(3))]);
  const quantized = g.constant('q', [2, 2], Int8Array.from([1, -2, 3, -4]), {
    quantization: { scale: [0.5, 0.25], zeroPoint: [0n, -3n], quantizedDimension: 0, min: [-1, -2], max: [1, 2] },
  });
  void quantized;
  g.output(g.op('SOFTMAX', [g.op('LOGISTIC', [fc])]));
  g.addMetadata('TFLITE_METADATA', new TextEncoder().encode('hello metadata'));
  g.addMetadata('min_runtime_version', new TextEncoder().encode('1.14.0'));
  return g;
}

test('writer → reader round trip keeps tensors, data, options, quantization, metadata', () => {
  const model = sampleGraph().toModel('a test model');
  const parsed = parseModel(serializeModel(model));
  assert.deepEqual(parsed, model);
});

test('file layout follows the TFLite pitfalls list', () => {
  const bytes = sampleGraph().build({ description: 'layout' });
  assert.equal(new TextDecoder().decode(bytes.subarray(4, 8)), 'TFL3');
  const root = Table.root(bytes);
  assert.equal(root.uint32(0), 3, 'Model.version');
  const buffers = root.tables(4);
  assert.equal(buffers[0].has(0), false, 'buffers[0] is the empty sentinel');
  for (const buffer of buffers.slice(1)) {
    const field = buffer.bb.__offset(buffer.pos, 4);
    const start = buffer.bb.__vector(buffer.pos + field);
    assert.equal(start % 16, 0, 'buffer data 16-byte aligned');
  }
  for (const code of root.tables(1)) {
    assert.equal(code.int8(0), Math.min(code.int32(3), 127), 'deprecated_builtin_code = min(code, 127)');
    assert.ok(code.has(3), 'builtin_code written');
  }
  const subgraph = root.tables(2)[0];
  const codes = root.tables(1).map((c) => c.int32(3));
  for (const operator of subgraph.tables(3)) {
    const code = codes[operator.uint32(0)];
    const options = operator.table(4);
    if (code === OPS.CONV_2D.code) assert.ok(options?.has(1) && options.has(2), 'conv strides written');
    if (code === OPS.DEPTHWISE_CONV_2D.code) assert.ok(options?.has(1) && options.has(2) && options.has(3), 'depthwise strides and multiplier written');
    if (code === OPS.MAX_POOL_2D.code) assert.ok(options?.has(3) && options.has(4), 'pool sizes written');
    if (code === OPS.SOFTMAX.code) assert.equal(options?.float32(0), 1, 'softmax beta 1');
  }
  // A tensor without data points at the sentinel.
  const input = subgraph.tables(0)[subgraph.int32s(1)[0]];
  assert.equal(input.uint32(2), 0);
  assert.equal(root.tables(7)[0].string(2), 'serving_default');
});

test('writer rejects inconsistent models with a message naming the tensor', () => {
  const model = sampleGraph().toModel();
  model.tensors[1] = { ...model.tensors[1], data: new Uint8Array(3) };
  assert.throws(() => serializeModel(model), /conv\/w.*needs 432/);
  const g = new GraphBuilder();
  assert.throws(() => g.build(), /no input/);
});

test('reader refuses files that are not TFLite', () => {
  assert.throws(() => parseModel(new Uint8Array(64)), /Not a TFLite model/);
});

test('equal zero-point vectors are written once and shared; both tensors read back whole', () => {
  const build = (secondZeroPoint: bigint) => {
    const g = new GraphBuilder();
    const x = g.input('x', [1, 64]);
    const channels = 64;
    const quant = (z: bigint) => ({ scale: Array.from({ length: channels }, (_, i) => (i + 1) / 128), zeroPoint: Array.from({ length: channels }, (_, i) => (i === 0 ? z : 0n)), quantizedDimension: 0 });
    g.constant('a', [channels], new Int8Array(channels), { quantization: quant(0n) });
    g.constant('b', [channels], new Int8Array(channels), { quantization: quant(secondZeroPoint) });
    g.output(g.op('RELU', [x]));
    return g.toModel();
  };
  const shared = serializeModel(build(0n));
  const distinct = serializeModel(build(1n));
  assert.ok(distinct.length - shared.length >= 64 * 8, `${distinct.length} - ${shared.length}`);
  const model = build(0n);
  assert.deepEqual(parseModel(shared).tensors, model.tensors);
});
