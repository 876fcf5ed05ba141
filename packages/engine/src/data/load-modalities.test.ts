import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_IMAGE_SPEC, DEFAULT_TEXT_SPEC, decodeWav, encodeText, encodeWav, motionWindows, parseMotionRecording, preprocessAudio, type MotionSpec,
} from '@offgrid/features';
import { loadDataset } from './load-dataset.ts';

function withFolder(files: Record<string, string | Uint8Array>, run: (root: string) => Promise<void>): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'offgrid-modal-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return run(root).finally(() => rmSync(root, { recursive: true, force: true }));
}

const tone = (hz: number, rate: number, seconds: number) => Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => 0.3 * Math.sin((2 * Math.PI * hz * i) / rate));
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tolerance = 1e-5) => a.length === b.length && Array.from(a).every((v, i) => Math.abs(v - b[i]) <= tolerance * Math.max(1, Math.abs(b[i])));

test('audio: a folder of .wav clips becomes normalized log-mels the phone can reproduce from preprocessing.audio', async () => {
  await withFolder({
    'high/a.wav': encodeWav(tone(3000, 16000, 1), 16000),
    'high/b.wav': encodeWav(tone(2500, 44100, 1.2), 44100),
    'low/a.wav': encodeWav(tone(300, 16000, 0.8), 16000),
    'low/broken.wav': 'RIFF....WAVE but nothing else',
    'low/notes.txt': 'recorded in the barn', // notes beside media files are not data
  }, async (root) => {
    const seen: number[] = [];
    const data = await loadDataset(root, DEFAULT_IMAGE_SPEC, (p) => seen.push(p.done));
    assert.equal(data.kind, 'audio');
    assert.deepEqual(data.labels, ['high', 'low']);
    assert.deepEqual(data.shape, [98, 40]);
    assert.deepEqual([...data.targets], [0, 0, 1]);
    assert.equal(data.x.length, 3 * 98 * 40);
    assert.deepEqual(seen, [1, 2, 3, 4]);
    assert.deepEqual(data.skipped.map((s) => [s.source.endsWith('broken.wav'), /WAV/.test(s.reason)]), [[true, true]]);
    const { normalization, ...spec } = data.preprocessing!.audio!;
    assert.equal(spec.sampleRate, 16000);
    const mean = data.x.reduce((s, v) => s + v, 0) / data.x.length;
    const std = Math.sqrt(data.x.reduce((s, v) => s + (v - mean) ** 2, 0) / data.x.length);
    assert.ok(Math.abs(mean) < 1e-4 && Math.abs(std - 1) < 1e-4, `mean ${mean}, std ${std}`);
    assert.ok(normalization!.std > 0);
    // What the phone does with the stored spec gives the training input.
    const phone = preprocessAudio(decodeWav(readFileSync(join(root, 'high/b.wav'))), data.preprocessing!.audio!);
    assert.ok(close(phone, data.x.subarray(98 * 40, 2 * 98 * 40)));
    // A test set loaded with the training spec reuses its normalization.
    const again = await loadDataset(root, DEFAULT_IMAGE_SPEC, undefined, { audio: { ...data.preprocessing!.audio!, normalization: { mean: 0, std: 1 } } });
    assert.equal(again.preprocessing!.audio!.normalization!.mean, 0);
    assert.ok(Math.abs(again.x[0] - (data.x[0] * normalization!.std + normalization!.mean)) < 1e-3);
  });
});

const motion = (rateHz: number, channels: string[], seconds: number, value: (t: number, c: number) => number) => JSON.stringify({
  format: 'offgrid.motion.v1', rateHz, channels,
  data: Array.from({ length: Math.round(seconds * rateHz) * channels.length }, (_, i) => value(Math.floor(i / channels.length) / rateHz, i % channels.length)),
});
const six = ['ax', 'ay', 'az', 'gx', 'gy', 'gz'];

test('motion: recordings become grouped, normalized windows; bad recordings are skipped with the reason', async () => {
  const csvRows = Array.from({ length: 150 }, (_, i) => `${i * 20},${Math.sin(i / 3)},0,9.8,1,2,${i % 5}`);
  await withFolder({
    'shake/one.json': motion(100, six, 5, (t, c) => Math.sin(2 * Math.PI * 4 * t + c)),
    'shake/two.csv': ['timestamp,ax,ay,az,gx,gy,gz', ...csvRows].join('\n'),
    'still/one.json': motion(50, [...six].reverse(), 3.5, (t, c) => c + 0.01 * Math.cos(t * 7)),
    'still/no-gyro.json': motion(50, ['ax', 'ay', 'az'], 4, () => 0),
    'still/short.json': motion(50, six, 1.5, () => 0),
    'still/bad.json': '{"format": "offgrid.motion.v1", "rateHz": 50,',
    'still/wrong.json': motion(50, ['ax', 'temperature'], 4, () => 0),
  }, async (root) => {
    const data = await loadDataset(root, DEFAULT_IMAGE_SPEC);
    assert.equal(data.kind, 'motion');
    assert.deepEqual(data.labels, ['shake', 'still']);
    assert.deepEqual(data.shape, [100, 6]); // 2 s at 50 Hz, six channels
    // 5 s → 4 windows, 150 rows at 50 Hz = 3 s → 2 windows, 3.5 s → 2 windows (stride 1 s).
    assert.deepEqual([...data.targets], [0, 0, 0, 0, 0, 0, 1, 1]);
    assert.deepEqual([...data.groups!], [0, 0, 0, 0, 1, 1, 2, 2]); // one group per loaded recording
    assert.match(data.sources[5], /two\.csv#1$/);
    const reasons = Object.fromEntries(data.skipped.map((s) => [s.source.replace(/.*\//, ''), s.reason]));
    assert.match(reasons['no-gyro.json'], /lacks channel\(s\) gx, gy, gz/);
    assert.match(reasons['short.json'], /lasts 1\.50 s, shorter than one 2 s window/);
    assert.match(reasons['bad.json'], /Not valid JSON/);
    assert.match(reasons['wrong.json'], /unknown channel "temperature"/);
    const spec = data.preprocessing!.motion!;
    assert.equal(spec.normalization!.mean.length, 6);
    for (let c = 0; c < 6; c++) {
      let sum = 0;
      for (let i = c; i < data.x.length; i += 6) sum += data.x[i];
      assert.ok(Math.abs(sum / (data.x.length / 6)) < 1e-4, `channel ${c} mean`);
    }
    // The phone's path: the stored spec on the raw recording gives the training windows (channel order included).
    const still = motionWindows(parseMotionRecording(JSON.parse(readFileSync(join(root, 'still/one.json'), 'utf8'))), spec as MotionSpec);
    assert.equal(still.length, 2);
    assert.ok(close(still[1], data.x.subarray(7 * 600, 8 * 600)));
  });
});

test('text: .txt files and a text CSV; vocabulary in preprocessing.text; ids as float32', async () => {
  await withFolder({
    'spam/1.txt': 'WIN a FREE prize now',
    'spam/2.txt': 'free money, free prize!',
    'ham/1.txt': 'see you at lunch',
    'ham/2.txt': '   ',
    'texts.csv': 'label,text\nspam,"Free, free prize"\nham,lunch at noon?\nham,\n',
  }, async (root) => {
    const data = await loadDataset(root, DEFAULT_IMAGE_SPEC, undefined, { text: { seqLength: 6, maxTokens: 100 } });
    assert.equal(data.kind, 'text');
    assert.deepEqual(data.labels, ['ham', 'spam']);
    assert.deepEqual(data.shape, [6]);
    assert.deepEqual(data.skipped.map((s) => [s.source.replace(/.*\//, ''), s.reason]), [['2.txt', 'has no words']]);
    const { vocabulary, seqLength, charNgrams } = data.preprocessing!.text!;
    assert.deepEqual(vocabulary.slice(0, 5), ['<PAD>', '<START>', '<UNKNOWN>', 'free', 'prize']);
    assert.equal(seqLength, 6);
    assert.deepEqual(charNgrams, DEFAULT_TEXT_SPEC.charNgrams, 'a learned vocabulary comes with the default n-grams');
    assert.deepEqual([...data.x.subarray(6, 12)], [...encodeText('WIN a FREE prize now', vocabulary, 6, charNgrams)]);
    assert.ok(data.x[6 + 2] >= vocabulary.length, 'n-gram ids follow the word id');

    // A stored spec without charNgrams (a model saved before them) encodes word ids only, as it was trained.

    const csv = await loadDataset(join(root, 'texts.csv'), DEFAULT_IMAGE_SPEC, undefined, { text: { seqLength: 4, maxTokens: 100, vocabulary } });
    assert.equal(csv.kind, 'text');
    assert.deepEqual([...csv.targets], [1, 0]);
    assert.deepEqual([...csv.x], [1, 3, 3, 4, 1, vocabulary.indexOf('lunch'), vocabulary.indexOf('at'), 2]); // training vocabulary reused: "lunch" known, "noon" not
    assert.deepEqual(csv.sources, ['texts.csv:2', 'texts.csv:3']);
    assert.deepEqual(csv.skipped, [{ source: 'texts.csv:4', reason: 'has no words' }]);
    assert.equal(csv.preprocessing?.text?.charNgrams, undefined);
    const withNgrams = await loadDataset(join(root, 'texts.csv'), DEFAULT_IMAGE_SPEC, undefined, { text: { seqLength: 4, maxTokens: 100, vocabulary, charNgrams } });
    assert.deepEqual([...withNgrams.x.subarray(0, 4)], [...encodeText('Free, free prize', vocabulary, 4, charNgrams)]);
  });
});

test('folders that mix kinds of data, or hold none, are refused with what was found', async () => {
  await withFolder({ 'a/x.wav': encodeWav(tone(300, 8000, 0.1), 8000), 'b/y.png': 'png', 'b/z.json': '{}' }, async (root) => {
    await assert.rejects(loadDataset(root, DEFAULT_IMAGE_SPEC), /mixes kinds of data: 1 audio \(\.wav\), 1 image \(\.jpg .*\), 1 motion \(\.json \.csv\) files/);
  });
  await withFolder({ 'a/x.md': '#', 'b/y.doc': '' }, async (root) => {
    await assert.rejects(loadDataset(root, DEFAULT_IMAGE_SPEC), /has no data files in its label folders/);
  });
  await withFolder({ 'a/x.wav': encodeWav(tone(300, 16000, 1), 16000), 'b/y.wav': 'not a wav' }, async (root) => {
    await assert.rejects(loadDataset(root, DEFAULT_IMAGE_SPEC), /No readable \.wav clips for label\(s\) b/);
  });
});
