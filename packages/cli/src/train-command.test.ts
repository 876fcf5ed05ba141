import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { readLabels, readMetadata, TfliteSession } from '@offgrid/tflite';
import { parseCount, parseKilobytes } from './train-command.ts';

const run = promisify(execFile);
const BIN = new URL('../bin/offgrid.mjs', import.meta.url).pathname;
let root: string;

before(() => { root = mkdtempSync(join(tmpdir(), 'offgrid-cli-')); });
after(() => rmSync(root, { recursive: true, force: true }));

/** Seeded noisy images of one colour per label, as a user's folder of label sub-folders. */
async function colourFolder(dir: string, perLabel: number): Promise<void> {
  const colours: Record<string, [number, number, number]> = { red: [210, 40, 40], green: [40, 190, 60], blue: [40, 60, 215] };
  let state = 12345;
  for (const [label, rgb] of Object.entries(colours)) {
    mkdirSync(join(dir, label), { recursive: true });
    for (let i = 0; i < perLabel; i++) {
      const pixels = Buffer.alloc(40 * 30 * 3);
      for (let j = 0; j < pixels.length; j++) {
        state = (state * 1103515245 + 12345) % 2 ** 31;
        pixels[j] = Math.max(0, Math.min(255, rgb[j % 3] + (state % 101) - 50));
      }
      await sharp(pixels, { raw: { width: 40, height: 30, channels: 3 } }).jpeg().toFile(join(dir, label, `${i}.jpg`));
    }
  }
}

test('offgrid train on a folder of images writes an int8 model with metadata, a float32 model and reports; offgrid predict reads it', { timeout: 120_000 }, async () => {
  const data = join(root, 'colours');
  const out = join(root, 'out');
  await colourFolder(data, 25);
  writeFileSync(join(data, 'red', 'broken.jpg'), 'not an image');
  // Grouped by the file's last digit (10 groups across the labels), as photos of one session would be.
  const { stdout, stderr } = await run(process.execPath, [BIN, 'train', data, '--out', out, '--budget', '25s', '--seed', '3', '--group-by', '(\\d)\\.jpg$'], { timeout: 110_000 });
  assert.match(stderr, /skipped .*broken\.jpg/);
  assert.match(stderr, /Grouped by \/\(\\d\)\\\.jpg\$\/: 10 groups/);
  assert.match(stderr, /Test accuracy: int8 [\d.]+%, float32 [\d.]+%/);
  assert.equal(stdout, '');

  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  assert.deepEqual(report.labels, ['blue', 'green', 'red']);
  // 40×30 pictures, all smaller than the default 32 on their cropped side and no --size: 30×30 inputs, not upscaled.
  assert.deepEqual(report.input.shape, [30, 30, 3]);
  assert.equal(report.input.dtype, 'float32');
  assert.deepEqual(report.input.normalization, { mean: 127.5, std: 127.5 });
  assert.ok(report.metrics.test.int8.accuracy >= 0.9, `int8 test accuracy ${report.metrics.test.int8.accuracy}`);
  assert.ok(report.metrics.test.float32.accuracy >= 0.9);
  assert.ok(report.sizes.int8Bytes <= 0.3 * report.sizes.float32Bytes, JSON.stringify(report.sizes));
  assert.ok(report.trials.length >= 2, 'the search tried several configurations');
  assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /<svg[^>]*aria-label="confusion matrix"/);
  assert.deepEqual(report.split.grouping, { by: 'pattern', pattern: '(\\d)\\.jpg$', groups: 10 });
  assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /Each of 10 groups named by <code>\(\\d\)\\\.jpg\$<\/code> stayed on one side/);

  const int8 = new Uint8Array(readFileSync(join(out, 'model.tflite')));
  assert.deepEqual(readLabels(int8), ['blue', 'green', 'red']);
  assert.deepEqual(readMetadata(int8).metadata?.inputs[0].normalization, { mean: [127.5], std: [127.5] });
  const session = await TfliteSession.create(int8);
  assert.deepEqual(session.inputShapes, [[1, 30, 30, 3]]);
  session.close();

  const predicted = await run(process.execPath, [BIN, 'predict', join(out, 'model.tflite'), join(data, 'green', '0.jpg'), join(data, 'blue', '1.jpg'), '--json']);
  const predictions = JSON.parse(predicted.stdout);
  assert.deepEqual(predictions.map((p: { label: string }) => p.label), ['green', 'blue']);
  assert.ok(predictions.every((p: { confidence: number }) => p.confidence > 0.5 && p.confidence <= 1));
});

test('offgrid train --accelerator webgpu trains on the GPU adapter (lavapipe in CI) as well as on wasm', { timeout: 300_000 }, async () => {
  const data = join(root, 'colours-gpu');
  await colourFolder(data, 12);
  const reports: Record<string, { accelerator: { backend: string; reason: string }; metrics: { test: { int8: { accuracy: number } } } }> = {};
  // --backbone none (here and below): these tests are about the accelerator; a transfer pass would take part of the budget.
  for (const accelerator of ['webgpu', 'wasm']) {
    const out = join(root, `out-${accelerator}`);
    const { stderr } = await run(process.execPath, [BIN, 'train', data, '--out', out, '--budget', '60s', '--seed', '3', '--size', '12', '--backbone', 'none', '--accelerator', accelerator], { timeout: 280_000 });
    assert.match(stderr, new RegExp(`^Training on ${accelerator}`, 'm'));
    reports[accelerator] = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  }
  assert.equal(reports.webgpu.accelerator.backend, 'webgpu', reports.webgpu.accelerator.reason);
  assert.match(reports.webgpu.accelerator.reason, /gradients match cpu/);
  assert.equal(reports.wasm.accelerator.backend, 'wasm');
  // Three well-separated colours: both reach (nearly) every held-out sample; LiteRT.js scored both int8 files.
  for (const [backend, report] of Object.entries(reports)) assert.ok(report.metrics.test.int8.accuracy >= 0.8, `${backend}: int8 accuracy ${report.metrics.test.int8.accuracy}`);
});

test('offgrid train --accelerator webgpu with the GPU lost in a trial: the search goes on on wasm, the terminal and the report say so', { timeout: 300_000 }, async () => {
  const data = join(root, 'colours-lost');
  await colourFolder(data, 12);
  const out = join(root, 'out-lost');
  // A genuine device loss in Dawn: each WebGPU trial's worker destroys its device after 3 steps. 60 s, as above: the
  // self-test on lavapipe alone takes 30–40 s of the budget on a loaded machine.
  const { stderr } = await run(process.execPath, [BIN, 'train', data, '--out', out, '--budget', '60s', '--seed', '3', '--size', '12', '--backbone', 'none', '--accelerator', 'webgpu'], {
    timeout: 280_000, env: { ...process.env, OFFGRID_TEST_LOSE_GPU_AFTER_STEPS: '3' },
  });
  assert.match(stderr, /^Training on webgpu/m);
  assert.match(stderr, /^WebGPU failed during trial \d+ \(the GPU device was lost .*\): training goes on on wasm\.$/m);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  assert.equal(report.accelerator.backend, 'webgpu');
  assert.match(report.accelerator.fallback.during, /^trial \d+$/);
  assert.match(report.accelerator.fallback.error, /^the GPU device was lost/);
  assert.ok(report.trials.length >= 2 && report.metrics.test.int8.accuracy >= 0.8, `${report.trials.length} trials, int8 accuracy ${report.metrics.test.int8.accuracy}`);
});

test('bad input gets a message, not a stack trace', async () => {
  await assert.rejects(run(process.execPath, [BIN, 'train', join(root, 'missing'), '--out', join(root, 'x')]), (error: { stderr: string; code: number }) => {
    assert.equal(error.code, 1);
    assert.equal(error.stderr, `offgrid: ${join(root, 'missing')} does not exist.\n`);
    return true;
  });
  await assert.rejects(run(process.execPath, [BIN, 'train', root, '--out', join(root, 'x'), '--budget', 'soon']), /"soon" is not a duration/);
  await assert.rejects(run(process.execPath, [BIN, 'train', root, '--out', join(root, 'x'), '--objective', 'speed']), /--objective must be "float32" or "int8", got "speed"/);
  await assert.rejects(run(process.execPath, [BIN, 'train', root, '--out', join(root, 'x'), '--max-size', 'small']), /--max-size "small" is not a size; write e.g. 64kb/);
  await assert.rejects(run(process.execPath, [BIN, 'train', root, '--out', join(root, 'x'), '--max-macs', '0']), /--max-macs "0" is not a count/);
  await assert.rejects(run(process.execPath, [BIN, 'train', root, '--out', join(root, 'x'), '--backbone', '../elsewhere']), /--backbone must name a backbone \(`offgrid backbones list`\) or be "none", got "..\/elsewhere"/);
  const few = join(root, 'few');
  await colourFolder(few, 2);
  await assert.rejects(run(process.execPath, [BIN, 'train', few, '--out', join(root, 'x'), '--group-by', '^red/']), /--group-by: 4 of 6 samples do not match \/\^red\/\/ \(e\.g\. blue\/0\.jpg/);
});

test('limits on the command line: sizes in KiB, counts with k/M/G', () => {
  assert.deepEqual(['64kb', '64', '1.5mb', '2MiB'].map(parseKilobytes), [64, 64, 1536, 2048]);
  assert.deepEqual(['250k', '5M', '1.2g', '1200'].map(parseCount), [250_000, 5_000_000, 1_200_000_000, 1200]);
});
