import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder } from './graph-builder.ts';
import { TfliteSession } from './litert-node.ts';
import { decodeMetadata, encodeMetadata, MIN_PARSER_VERSION } from './metadata.ts';
import type { ModelMetadata } from './metadata.ts';
import { imageClassifierMetadata, readLabels, readMetadata, serializeWithMetadata } from './model-package.ts';
import { parseModel } from './reader.ts';
import { Table } from './fb.ts';
import { appendZip, crc32, readZip, writeZip } from './zip.ts';

function classifier(): ReturnType<GraphBuilder['toModel']> {
  const g = new GraphBuilder();
  const x = g.input('image', [1, 4, 4, 3]);
  const flat = g.op('RESHAPE', [x], { newShape: [1, 48] });
  const w = Float32Array.from({ length: 3 * 48 }, (_, i) => ((i * 7) % 11) / 11 - 0.5);
  g.output(g.op('SOFTMAX', [g.op('FULLY_CONNECTED', [flat, g.constant('w', [3, 48], w), g.constant('b', [3], new Float32Array(3))])]));
  return g.toModel('classifier');
}

const LABELS = ['cat', 'dog', 'crème brûlée'];

test('crc32 matches the standard check value', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
});

test('zip: STORE archive round trip, absolute offsets after a prefix and relative offsets both read', () => {
  const entries = [{ name: 'labels.txt', data: new TextEncoder().encode('a\nb\n') }, { name: 'ü.bin', data: new Uint8Array([0, 1, 2, 255]) }];
  assert.deepEqual(readZip(writeZip(entries)), entries);
  const prefix = new Uint8Array(37).fill(9);
  assert.deepEqual(readZip(appendZip(prefix, entries)), entries, 'absolute offsets');
  const relative = new Uint8Array([...prefix, ...writeZip(entries)]);
  assert.deepEqual(readZip(relative), entries, 'archive-relative offsets');
  assert.deepEqual(readZip(prefix), [], 'no archive');
  const corrupt = appendZip(prefix, entries);
  corrupt[37 + 30 + 'labels.txt'.length] ^= 1;
  assert.throws(() => readZip(corrupt), /CRC-32/);
});

test('metadata flatbuffer round trip with identifier M001', () => {
  const metadata: ModelMetadata = {
    name: 'm', description: 'd', version: 'v3', author: 'a', license: 'Apache-2.0',
    inputs: [{ name: 'image', content: { kind: 'image', colorSpace: 'RGB', width: 4, height: 4 }, normalization: { mean: [127.5], std: [127.5] }, stats: { min: [-1], max: [1] } }],
    outputs: [{ name: 'probability', content: { kind: 'feature' }, associatedFiles: [{ name: 'labels.txt', type: 'TENSOR_AXIS_LABELS', description: 'labels' }] }],
    minParserVersion: MIN_PARSER_VERSION,
  };
  const bytes = encodeMetadata(metadata);
  assert.equal(new TextDecoder().decode(bytes.subarray(4, 8)), 'M001');
  assert.deepEqual(decodeMetadata(bytes), metadata);
  // Field ids as metadata_schema.fbs numbers them (ModelMetadata.min_parser_version is field 7).
  assert.equal(Table.root(bytes).string(7), '1.0.0');
});

test('image classifier model: metadata in TFLITE_METADATA, labels zip-appended, still loads in LiteRT.js', async () => {
  const model = classifier();
  const { metadata, files } = imageClassifierMetadata({
    name: 'Test classifier', version: '1', author: 'Offgrid', license: 'MIT', labels: LABELS,
    inputShape: model.tensors[model.inputs[0]].shape, normalization: { mean: [0], std: [255] },
  });
  const bytes = serializeWithMetadata(model, metadata, files);
  assert.deepEqual(parseModel(bytes).metadata.map((m) => m.name), ['TFLITE_METADATA']);
  const back = readMetadata(bytes);
  assert.equal(back.metadata?.name, 'Test classifier');
  assert.equal(back.metadata?.minParserVersion, '1.0.0');
  assert.deepEqual(back.metadata?.inputs[0].content, { kind: 'image', colorSpace: 'RGB', width: 4, height: 4 });
  assert.deepEqual(back.metadata?.inputs[0].normalization, { mean: [0], std: [255] });
  assert.deepEqual(readLabels(bytes), LABELS);
  const session = await TfliteSession.create(bytes);
  try {
    const [p] = await session.run([new Float32Array(48).fill(0.5)]);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  } finally {
    session.close();
  }
});

test('metadata refuses what MediaPipe refuses: missing label file, non-RGB 4-D input', () => {
  const model = classifier();
  const { metadata } = imageClassifierMetadata({ name: 'x', labels: LABELS, inputShape: [1, 4, 4, 3], normalization: { mean: [0], std: [1] } });
  assert.throws(() => serializeWithMetadata(model, metadata, {}), /labels\.txt/);
  assert.throws(() => imageClassifierMetadata({ name: 'x', labels: LABELS, inputShape: [1, 4, 4, 1], normalization: { mean: [0], std: [1] } }), /\[1, H, W, 3\]/);
});
