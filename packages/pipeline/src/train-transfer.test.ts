/**
 * The transfer family in the image search, on a real backbone (nsfwjs' MobileNetV2) and real image files: stripes
 * one pixel pair wide, horizontal for one label and vertical for the other. At the search's 32×32 they average out
 * to the same grey (from-scratch families see no difference), at the backbone's 224×224 they are plain to see: the
 * transfer head must win, and its composite ships and runs in LiteRT.js. Heavy (~1–2 min on 2 cores): the backbone
 * starts in two threads, and the int8 composite calibrates on 100 images through LiteRT.js.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadDataset, type LoadedDataset } from '@offgrid/engine/data';
import { DEFAULT_IMAGE_SPEC } from '@offgrid/features';
import { readMetadata, TfliteSession } from '@offgrid/tflite';
import { trainPipeline, type PipelineEvent } from './train-pipeline.ts';
import type { TransferOptions } from './transfer.ts';

let root: string;
let dataset: LoadedDataset;
before(async () => {
  root = mkdtempSync(join(tmpdir(), 'offgrid-transfer-'));
  let state = 7;
  for (const label of ['horizontal', 'vertical']) {
    mkdirSync(join(root, 'images', label), { recursive: true });
    for (let n = 0; n < 10; n++) {
      const side = 256;
      const pixels = Buffer.alloc(side * side * 3);
      for (let y = 0; y < side; y++) {
        for (let x = 0; x < side; x++) {
          const on = ((label === 'horizontal' ? y : x) >> 1) % 2 === 0;
          for (let c = 0; c < 3; c++) {
            state = (state * 1103515245 + 12345) % 2 ** 31;
            pixels[(y * side + x) * 3 + c] = (on ? 200 : 55) + (state % 21) - 10;
          }
        }
      }
      await sharp(pixels, { raw: { width: side, height: side, channels: 3 } }).png().toFile(join(root, 'images', label, `${n}.png`));
    }
  }
  dataset = await loadDataset(join(root, 'images'), DEFAULT_IMAGE_SPEC);
});
after(() => rmSync(root, { recursive: true, force: true }));

const transferOptions = (cacheDir: string): TransferOptions => ({ readImage: (i) => readFile(dataset.sources[i]), cacheDir });

test('the transfer head competes, wins where the pictures are too small for the others, and ships as backbone + head in LiteRT.js; a second run reuses the embeddings', { timeout: 300_000 }, async (context) => {
  const events: PipelineEvent[] = [];
  const cacheDir = join(root, 'embeddings');
  // The composite's packaging (decoding, LiteRT.js calibration of the backbone: tens of seconds) runs on the
  // finisher's thread: the caller's event loop (in the server, the API's) keeps turning through it.
  let packagingFrom: number | undefined;
  let lastTick = performance.now();
  let longestStall = 0;
  const ticking = setInterval(() => {
    const now = performance.now();
    if (packagingFrom !== undefined) longestStall = Math.max(longestStall, now - lastTick);
    lastTick = now;
  }, 10);
  const { files, report } = await trainPipeline(dataset, {
    budgetSeconds: 60, seed: 1, concurrency: 2, workDir: join(root, 'run-1'), name: 'stripes', source: 'stripes', transfer: transferOptions(cacheDir),
    onEvent: (event) => {
      events.push(event);
      if (event.type === 'phase' && event.phase === 'quantizing') packagingFrom = lastTick = performance.now();
    },
  }).finally(() => clearInterval(ticking));
  context.diagnostic(`first run: elapsed ${report.elapsedSeconds.toFixed(1)} s of 60; embedding ${report.transfer?.seconds.toFixed(1)} s, packaging ${report.transfer?.packagingSeconds?.toFixed(1)} s (longest stall of this loop ${longestStall.toFixed(0)} ms); trials ${report.trials.map((t) => `${t.family} ${t.valAccuracy?.toFixed(2)}`).join(', ')}; test int8 ${report.metrics.test.int8.accuracy} float32 ${report.metrics.test.float32.accuracy}`);
  assert.ok(report.transfer?.offered, `the transfer family was offered (${report.transfer?.reason})`);
  assert.equal(report.transfer.cacheHits, 0);
  assert.equal(report.transfer.samples, dataset.targets.length - report.split.test);
  assert.ok(events.some((e) => e.type === 'phase' && /transfer family offered/.test(e.detail)), 'the progress says so');
  const heads = report.trials.filter((t) => t.family === 'transfer-head');
  const others = report.trials.filter((t) => t.family !== 'transfer-head');
  assert.ok(heads.some((t) => t.valAccuracy !== undefined) && others.some((t) => t.valAccuracy !== undefined), 'both kinds of trials trained in the same search');
  assert.equal(report.winner.family, 'transfer-head');
  assert.ok(packagingFrom !== undefined && longestStall < 1500, `the caller's loop stalled at most ${longestStall.toFixed(0)} ms while the composite was packaged (${report.transfer.packagingSeconds?.toFixed(1)} s)`);
  assert.deepEqual(report.input.shape, [224, 224, 3]);
  assert.deepEqual(report.input.preprocessing!.image, { width: 224, height: 224, mean: 0, std: 255 });
  assert.deepEqual(report.input.normalization, { mean: 0, std: 255 });
  assert.ok(report.metrics.test.int8.accuracy >= 0.99 && report.metrics.test.float32.accuracy >= 0.99, `test accuracy int8 ${report.metrics.test.int8.accuracy}, float32 ${report.metrics.test.float32.accuracy}`);
  assert.ok(report.sizes.int8Ratio < 0.4, `the int8 composite is int8 (${report.sizes.int8Ratio} of float32)`);
  for (const bytes of [files.float32, files.int8]) {
    const session = await TfliteSession.create(bytes);
    assert.deepEqual(session.inputShapes[0], [1, 224, 224, 3]);
    session.close();
    assert.deepEqual(readMetadata(bytes).metadata?.inputs[0].normalization, { mean: [0], std: [255] });
  }

  const again = await trainPipeline(dataset, {
    budgetSeconds: 45, seed: 1, concurrency: 2, workDir: join(root, 'run-2'), name: 'stripes', source: 'stripes', transfer: transferOptions(cacheDir),
  });
  assert.equal(again.report.transfer?.cacheHits, report.transfer.samples, 'every embedding came from the cache');
  context.diagnostic(`second run: elapsed ${again.report.elapsedSeconds.toFixed(1)} s of 45, embedding ${again.report.transfer!.seconds.toFixed(2)} s`);
  assert.ok(again.report.transfer!.seconds < 2, `a cached pass starts no backbone (${again.report.transfer!.seconds} s)`);
});

test('a budget too small for the embedding pass (transfer not offered): the transfer family is not offered, and the report says why', { timeout: 120_000 }, async () => {
  const events: PipelineEvent[] = [];
  const { report } = await trainPipeline(dataset, {
    budgetSeconds: 12, seed: 1, concurrency: 2, workDir: join(root, 'small'), name: 'stripes', source: 'stripes', transfer: transferOptions(join(root, 'small-cache')),
    onEvent: (event) => events.push(event),
  });
  assert.equal(report.transfer?.offered, false);
  assert.match(report.transfer!.reason!, /budget of 12 s is too small to embed the images and package a transfer winner/);
  assert.ok(events.some((e) => e.type === 'phase' && /transfer family not offered/.test(e.detail)));
  assert.ok(report.trials.every((t) => t.family !== 'transfer-head'));
  assert.deepEqual(report.input.shape, [32, 32, 3]);
});
