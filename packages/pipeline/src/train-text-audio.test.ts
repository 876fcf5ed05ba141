import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset } from '@offgrid/engine/data';
import { DEFAULT_IMAGE_SPEC, DEFAULT_TEXT_SPEC } from '@offgrid/features';
import { parseModel, readLabels, readTextTokenizer, readVocabulary, TfliteSession } from '@offgrid/tflite';
import { inputsFromFile } from './input-from-file.ts';
import { inputConverter } from './model-files.ts';
import { writeTexts, writeTones } from './test-modality-data.ts';
import { trainPipeline } from './train-pipeline.ts';
import type { TrainReport } from './report.ts';

let root: string;
before(() => { root = mkdtempSync(join(tmpdir(), 'offgrid-pipeline-text-audio-')); });
after(() => rmSync(root, { recursive: true, force: true }));

/** Share of `files` (one per label folder entry) the int8 model labels right, inputs made from the report alone. */
async function accuracyOnFiles(bytes: Uint8Array, report: TrainReport, files: { path: string; target: number }[]): Promise<number> {
  const session = await TfliteSession.create(bytes);
  const asInput = inputConverter(bytes);
  let correct = 0;
  for (const { path, target } of files) {
    const [{ input }] = await inputsFromFile(path, report.input);
    const [scores] = await session.run([asInput(input)]);
    correct += Number(scores.indexOf(Math.max(...scores)) === target);
  }
  session.close();
  return correct / files.length;
}

test('text: the text family over word + character n-gram ids; int32 input through quantization and LiteRT.js; tokenizer in the metadata', { timeout: 60_000 }, async (context) => {
  const data = join(root, 'text');
  writeTexts(data, 40, 1);
  const dataset = await loadDataset(data, DEFAULT_IMAGE_SPEC, undefined, { text: { seqLength: 96, maxTokens: 200 } });
  assert.deepEqual(dataset.preprocessing?.text?.charNgrams, DEFAULT_TEXT_SPEC.charNgrams, 'new datasets get the default n-grams');
  const { files, report } = await trainPipeline(dataset, { budgetSeconds: 18, seed: 2, concurrency: 1, workDir: join(root, 'text-search'), name: 'topics', source: data });

  assert.ok(report.trials.every((t) => t.family === 'text'));
  assert.equal(report.input.dtype, 'int32');
  assert.deepEqual(report.input.shape, [96]);
  assert.deepEqual(report.input.preprocessing!.text, dataset.preprocessing?.text);
  for (const bytes of [files.float32, files.int8]) {
    const model = parseModel(bytes);
    assert.equal(model.tensors[model.inputs[0]].dtype, 'int32', 'token ids stay int32');
    assert.deepEqual(readVocabulary(bytes), dataset.preprocessing?.text?.vocabulary);
    assert.deepEqual(readTextTokenizer(bytes)?.charNgrams, { ...DEFAULT_TEXT_SPEC.charNgrams, idOffset: dataset.preprocessing?.text?.vocabulary.length, hash: 'FNV-1a 32-bit of the UTF-8 bytes', wordStartMark: '<', wordEndMark: '>' });
    assert.deepEqual(readLabels(bytes), ['cooking', 'sports', 'travel']);
  }
  assert.ok(report.metrics.test.int8.accuracy >= 0.7, `int8 test accuracy ${report.metrics.test.int8.accuracy} (chance 0.33)`);

  // The report's vocabulary re-encodes a training text exactly as the loader did.
  const [{ input }] = await inputsFromFile(dataset.sources[0], report.input);
  assert.deepEqual(Array.from(input), Array.from(dataset.x.subarray(0, 96)));
  context.diagnostic(`int8 ${files.int8.length} bytes, float32 ${files.float32.length} bytes; winner ${JSON.stringify(report.winner.config)}`);
  writeTexts(join(root, 'fresh-text'), 10, 77);
  const fresh = report.labels.flatMap((label, target) => Array.from({ length: 10 }, (_, i) => ({ path: join(root, 'fresh-text', label, `${i}.txt`), target })));
  const accuracy = await accuracyOnFiles(files.int8, report, fresh);
  context.diagnostic(`text: ${report.trials.length} trials, test int8 ${report.metrics.test.int8.accuracy.toFixed(3)}, fresh ${accuracy.toFixed(3)} (chance 0.33)`);
  assert.ok(accuracy >= 0.8, `fresh texts ${accuracy}`);
});

test('audio: log-mel clips searched with cnn1d (and small-cnn); the normalization in the report reproduces the inputs', { timeout: 60_000 }, async (context) => {
  const data = join(root, 'audio');
  writeTones(data, { high: 2400, low: 500 }, 18, 3);
  const dataset = await loadDataset(data, DEFAULT_IMAGE_SPEC, undefined, { audio: { sampleRate: 8000, clipSeconds: 0.5, frameLength: 256, hopLength: 128, fftSize: 256, melBands: 16, fMin: 20, fMax: 4000, logOffset: 1e-6 } });
  const { files, report } = await trainPipeline(dataset, { budgetSeconds: 16, seed: 4, concurrency: 1, workDir: join(root, 'audio-search'), name: 'tones', source: data });

  // Both families are warm starts; on a busy machine the second may not start within the budget, so it is
  // required to have worked where it ran (it did in every run here), not to have run.
  assert.ok(report.trials.some((t) => t.family === 'cnn1d'), 'cnn1d tried');
  assert.ok(report.trials.every((t) => !t.status.startsWith('failed')), JSON.stringify(report.trials.map((t) => t.status)));
  const audio = report.input.preprocessing!.audio!;
  assert.deepEqual(audio.normalization, dataset.preprocessing?.audio?.normalization);
  assert.deepEqual(report.input.shape, report.winner.family === 'small-cnn' ? [...dataset.shape, 1] : dataset.shape);
  assert.ok(report.metrics.test.int8.accuracy >= 0.9, `int8 test accuracy ${report.metrics.test.int8.accuracy}`);
  const [{ input }] = await inputsFromFile(dataset.sources[0], report.input);
  const size = dataset.x.length / dataset.targets.length;
  assert.ok(input.every((v, i) => Math.abs(v - dataset.x[i]) < 1e-4) && input.length === size, 'log-mel reproduced');

  writeTones(join(root, 'fresh-audio'), { high: 2400, low: 500 }, 6, 55);
  const fresh = report.labels.flatMap((label, target) => Array.from({ length: 6 }, (_, i) => ({ path: join(root, 'fresh-audio', label, `${i}.wav`), target })));
  const accuracy = await accuracyOnFiles(files.int8, report, fresh);
  context.diagnostic(`audio: winner ${report.winner.family}, ${report.trials.length} trials, test int8 ${report.metrics.test.int8.accuracy.toFixed(3)}, fresh ${accuracy.toFixed(3)}`);
  assert.ok(accuracy >= 0.9, `fresh clips ${accuracy}`);
});
