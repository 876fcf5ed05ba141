import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = new URL('../bin/offgrid.mjs', import.meta.url).pathname;
let root: string;

before(() => { root = mkdtempSync(join(tmpdir(), 'offgrid-cli-modalities-')); });
after(() => rmSync(root, { recursive: true, force: true }));

const TOPICS: Record<string, string[]> = {
  cooking: ['recipe', 'oven', 'salt', 'bake', 'soup', 'garlic'],
  sports: ['goal', 'match', 'team', 'score', 'coach', 'league'],
};
const FILLER = ['the', 'a', 'today', 'we', 'really', 'some', 'and', 'it', 'was', 'with', 'my', 'friend'];

/** Seeded texts of filler words and two of the topic's keywords, one .txt per sample in a folder per label. */
function writeTexts(dir: string, perLabel: number, seed: number): void {
  let state = seed;
  // The high bits: this generator's low bits repeat with a short period.
  const pick = (list: string[]) => { state = (state * 1103515245 + 12345) % 2 ** 31; return list[Math.floor((state / 2 ** 31) * list.length)]; };
  for (const [label, keywords] of Object.entries(TOPICS)) {
    mkdirSync(join(dir, label), { recursive: true });
    for (let i = 0; i < perLabel; i++) {
      const words = [...Array.from({ length: 6 }, () => pick(FILLER)), pick(keywords), pick(FILLER), pick(keywords)];
      writeFileSync(join(dir, label, `${i}.txt`), words.join(' '));
    }
  }
}

test('offgrid train on a folder of .txt texts, then offgrid predict on new texts (int32 token ids, vocabulary from the model)', { timeout: 60_000 }, async () => {
  const data = join(root, 'texts');
  const out = join(root, 'text-model');
  writeTexts(data, 30, 11);
  const { stderr } = await run(process.execPath, [BIN, 'train', data, '--out', out, '--budget', '15s', '--concurrency', '1'], { timeout: 55_000 });
  assert.match(stderr, /Loaded 60 samples, 2 labels \(cooking, sports\), sample shape \[512\]/);
  assert.match(stderr, /Test accuracy: int8 [\d.]+%/);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  assert.equal(report.input.dtype, 'int32');
  assert.equal(report.input.preprocessing.text.seqLength, 512);
  assert.deepEqual(report.input.preprocessing.text.charNgrams, { minN: 2, maxN: 5, buckets: 16384 });

  writeFileSync(join(root, 'a.txt'), 'We bake garlic soup in the oven');
  writeFileSync(join(root, 'b.txt'), 'The coach saw the team score a goal');
  const { stdout } = await run(process.execPath, [BIN, 'predict', join(out, 'model.tflite'), join(root, 'a.txt'), join(root, 'b.txt'), '--json']);
  const predictions = JSON.parse(stdout);
  assert.deepEqual(predictions.map((p: { label: string }) => p.label), ['cooking', 'sports']);
  assert.ok(predictions.every((p: { confidence: number }) => p.confidence > 0.5));

  // Without report.json the model's own metadata (vocabulary, input length, tokenizer.json's n-grams) is enough for text.
  rmSync(join(out, 'report.json'));
  const again = await run(process.execPath, [BIN, 'predict', join(out, 'model.tflite'), join(root, 'a.txt')]);
  assert.match(again.stdout, /a\.txt {2}cooking {2}\d+\.\d%/);
  const fromMetadata = JSON.parse((await run(process.execPath, [BIN, 'predict', join(out, 'model.tflite'), join(root, 'a.txt'), '--json'])).stdout);
  assert.deepEqual(fromMetadata[0], predictions[0], 'the same ids as from the report: n-grams included');
});

test('offgrid train --task anomaly on a CSV of normal rows only; predict prints ALARM / ok per row', { timeout: 40_000 }, async () => {
  const csv = join(root, 'pump.csv');
  const rows = ['pressure,temperature,label'];
  for (let i = 0; i < 200; i++) rows.push(`${(100 + Math.sin(i) * 2).toFixed(3)},${(20 + Math.cos(i * 1.3)).toFixed(3)},normal`);
  writeFileSync(csv, rows.join('\n') + '\n');
  const out = join(root, 'pump-model');
  await assert.rejects(run(process.execPath, [BIN, 'train', csv, '--out', out, '--budget', '8s']), /needs at least two distinct labels/);
  const { stderr } = await run(process.execPath, [BIN, 'train', csv, '--out', out, '--budget', '8s', '--task', 'anomaly', '--false-alarm-rate', '0.02'], { timeout: 35_000 });
  assert.match(stderr, /False alarms on \d+ held-out normal samples: int8 [\d.]+%/);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  assert.equal(report.task, 'anomaly');
  assert.equal(report.metrics.anomaly.falseAlarmRate, 0.02);

  writeFileSync(join(root, 'check.csv'), 'temperature,pressure\n20.5,100.8\n95,160\n');
  const { stdout } = await run(process.execPath, [BIN, 'predict', join(out, 'model.tflite'), join(root, 'check.csv')]);
  const lines = stdout.trim().split('\n');
  assert.match(lines[0], /check\.csv:2 {2}ok {2}score /);
  assert.match(lines[1], /check\.csv:3 {2}ALARM {2}score /);
  await assert.rejects(run(process.execPath, [BIN, 'train', csv, '--out', out, '--task', 'cluster']), /--task must be "classify" or "anomaly", got "cluster"/);
});
