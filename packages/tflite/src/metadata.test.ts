import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder } from './graph-builder.ts';
import { TfliteSession, runTflite } from './litert-node.ts';
import { decodeMetadata, encodeMetadata, MIN_PARSER_VERSION } from './metadata.ts';
import type { ModelMetadata } from './metadata.ts';
import { imageClassifierMetadata, readLabels, readMetadata, serializeWithMetadata, textLines } from './model-package.ts';
import { anomalyDetectorMetadata, DEFAULT_DELIM_REGEX, featureClassifierMetadata, featureInputMetadata, readAnomalyThreshold, readTextTokenizer, readVocabulary, textClassifierMetadata } from './task-metadata.ts';
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

test('text classifier metadata: RegexTokenizer with a VOCABULARY file ("token id" lines), int32 input, loads in LiteRT.js', async () => {
  const g = new GraphBuilder();
  const ids = g.input('ids', [1, 6], { dtype: 'int32' });
  const embedded = g.op('GATHER', [g.constant('embedding', [5, 2], Float32Array.from({ length: 10 }, (_, i) => i / 10)), ids]);
  const pooled = g.op('MEAN', [embedded, g.constant('axes', [1], Int32Array.from([1]))]);
  g.output(g.op('SOFTMAX', [g.op('FULLY_CONNECTED', [pooled, g.constant('w', [3, 2], Float32Array.from([1, -1, 0.5, 0.5, -1, 1])), g.constant('b', [3], new Float32Array(3))])]));
  const vocabulary = ['<PAD>', '<START>', '<UNKNOWN>', 'héllo', "don't"];
  const { metadata, files } = textClassifierMetadata({ name: 'Notes', labels: LABELS, vocabulary, inputShape: [1, 6], version: '2' });
  const bytes = serializeWithMetadata(g.toModel(), metadata, files);
  const back = readMetadata(bytes).metadata;
  assert.deepEqual(back?.inputs[0].regexTokenizer, { delimRegexPattern: DEFAULT_DELIM_REGEX, vocabFile: { name: 'vocab.txt', description: 'Vocabulary: "token id" per line', type: 'VOCABULARY' } });
  assert.equal(back?.minParserVersion, '1.2.1', 'RegexTokenizerOptions exist since metadata schema 1.2.1');
  assert.deepEqual(readVocabulary(bytes), vocabulary);
  assert.deepEqual(readLabels(bytes), LABELS);
  assert.equal(new TextDecoder().decode(readMetadata(bytes).files.get('vocab.txt')).split('\n')[3], 'héllo 3');
  const [p] = await runTflite(bytes, [Int32Array.from([1, 3, 4, 0, 0, 0])]);
  assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  assert.throws(() => textClassifierMetadata({ name: 'x', labels: LABELS, vocabulary: ['a b'], inputShape: [1, 6] }), /token 0 .*whitespace/);
  assert.throws(() => serializeWithMetadata(g.toModel(), metadata, { 'labels.txt': files['labels.txt'] }), /vocab\.txt/);
});

test('text classifier with character n-grams: no RegexTokenizer (the Task Library would compute word ids only); vocab.txt and tokenizer.json say how', () => {
  const g = new GraphBuilder();
  const ids = g.input('ids', [1, 6], { dtype: 'int32' });
  const pooled = g.op('MEAN', [g.op('GATHER', [g.constant('embedding', [13, 2], new Float32Array(26)), ids]), g.constant('axes', [1], Int32Array.from([1]))]);
  g.output(g.op('SOFTMAX', [g.op('FULLY_CONNECTED', [pooled, g.constant('w', [3, 2], new Float32Array(6)), g.constant('b', [3], new Float32Array(3))])]));
  const vocabulary = ['<PAD>', '<START>', '<UNKNOWN>', 'héllo', "don't"];
  const charNgrams = { minN: 2, maxN: 4, buckets: 8 };
  const { metadata, files } = textClassifierMetadata({ name: 'Notes', labels: LABELS, vocabulary, inputShape: [1, 6], charNgrams, delimRegexPattern: "[^\\p{L}\\p{N}']+" });
  const bytes = serializeWithMetadata(g.toModel(), metadata, files);
  const input = readMetadata(bytes).metadata?.inputs[0];
  assert.equal(input?.regexTokenizer, undefined);
  assert.deepEqual(input?.associatedFiles?.map((f) => [f.name, f.type]), [['vocab.txt', 'VOCABULARY'], ['tokenizer.json', 'DESCRIPTIONS']]);
  assert.match(input?.description ?? '', /followed by its hashed character 2–4-gram ids \(8 buckets after the vocabulary\)/);
  assert.deepEqual(readVocabulary(bytes), vocabulary);
  const tokenizer = readTextTokenizer(bytes);
  assert.deepEqual({ ...tokenizer, steps: undefined }, {
    format: 'offgrid.text-ids.v1', steps: undefined, delimRegexPattern: "[^\\p{L}\\p{N}']+", seqLength: 6, vocabularyFile: 'vocab.txt', specialTokens: { pad: 0, start: 1, unknown: 2 },
    charNgrams: { minN: 2, maxN: 4, buckets: 8, idOffset: 5, hash: 'FNV-1a 32-bit of the UTF-8 bytes', wordStartMark: '<', wordEndMark: '>' },
  });
  const wordsOnly = textClassifierMetadata({ name: 'n', labels: LABELS, vocabulary, inputShape: [1, 6] });
  assert.equal(readTextTokenizer(serializeWithMetadata(g.toModel(), wordsOnly.metadata, wordsOnly.files)), undefined, 'word-only models have none');
});

test('feature and anomaly metadata: names and units, per-feature stats, features.txt in order, threshold as ScoreThresholdingOptions', () => {
  const features = [{ name: 'ax_rms', unit: 'm/s²', min: 0, max: 4 }, { name: 'ay_rms', unit: 'm/s²', min: 0.5, max: 3 }, { name: 'temp', unit: '°C', min: -10, max: 60 }];
  const g = new GraphBuilder();
  const x = g.input('x', [1, 3]);
  g.output(g.op('FULLY_CONNECTED', [x, g.constant('w', [2, 3], new Float32Array(6)), g.constant('b', [2], new Float32Array(2))]));
  const classifier = featureClassifierMetadata({ name: 'c', labels: ['ok', 'worn'], features, inputShape: [1, 3] });
  const bytes = serializeWithMetadata(g.toModel(), classifier.metadata, classifier.files);
  const input = readMetadata(bytes).metadata?.inputs[0];
  assert.equal(input?.description, 'Feature vector: ax_rms [m/s²], ay_rms [m/s²], temp [°C]');
  assert.deepEqual(input?.content, { kind: 'feature' });
  assert.deepEqual(input?.stats, { min: [0, 0.5, -10], max: [4, 3, 60] });
  assert.deepEqual(textLines(readMetadata(bytes).files.get('features.txt') as Uint8Array), ['ax_rms', 'ay_rms', 'temp']);
  assert.deepEqual(readLabels(bytes), ['ok', 'worn']);
  assert.equal(readMetadata(bytes).metadata?.minParserVersion, '1.0.0');
  assert.throws(() => featureInputMetadata(features, [1, 4]), /3 feature descriptions for an input of shape \[1,4\]/);

  const s = new GraphBuilder();
  const sx = s.input('x', [1, 3]);
  s.output(s.op('MEAN', [s.op('SQUARED_DIFFERENCE', [sx, s.constant('c', [3], new Float32Array(3))]), s.constant('axes', [1], Int32Array.from([1]))], { keepDims: true }));
  const anomaly = anomalyDetectorMetadata({ name: 'pump', features, inputShape: [1, 3], threshold: 0.25, falseAlarmRate: 0.01 });
  const anomalyBytes = serializeWithMetadata(s.toModel(), anomaly.metadata, anomaly.files);
  assert.equal(readAnomalyThreshold(anomalyBytes), 0.25);
  assert.match(readMetadata(anomalyBytes).metadata?.outputs[0].description ?? '', /Score > 0\.25 means anomaly .*1\.00% false-alarm rate/);
});
