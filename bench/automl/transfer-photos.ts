/**
 * The transfer family in the search, on a small photo task (bench/automl/transfer-images.sh): the same search with and
 * without it at the same budget, and softmax regression on the pixels as a floor. One stratified test split (25%,
 * seeded) for every model; the search's models are scored through LiteRT.js (int8 and float32), the floor in float32.
 * The embedding cache starts empty, so the pass is charged in full.
 *   bash bench/automl/transfer-images.sh /tmp/offgrid-tl-images
 *   node --import tsx bench/automl/transfer-photos.ts --images /tmp/offgrid-tl-images/task --budget 2m
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createRandom, directoryEmbeddingCache, embedImageFiles, trainInWorker } from '@offgrid/engine';
import { loadDataset, type LoadedDataset } from '@offgrid/engine/data';
import { DEFAULT_IMAGE_SPEC } from '@offgrid/features';
import { DEFAULT_BACKBONE, evaluateOnTest, holdOutTest, trainPipeline, type TrainReport } from '@offgrid/pipeline';
import { parseDuration } from '../../packages/cli/src/terminal/progress-bar.ts';

const { values } = parseArgs({ options: { images: { type: 'string' }, budget: { type: 'string', default: '2m' }, seed: { type: 'string', default: '0' } } });
if (!values.images) throw new Error('--images <folder of label folders> is required (bench/automl/transfer-images.sh makes one).');
const budgetSeconds = parseDuration(values.budget);
const seed = Number(values.seed);
const log = (message: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
const load = () => loadavg().map((v) => v.toFixed(1)).join(' ');

const all = await loadDataset(values.images, DEFAULT_IMAGE_SPEC);
const { trainIndices, testIndices } = holdOutTest(all, createRandom(seed), 0.25);
const pick = (indices: number[]): LoadedDataset => {
  const size = all.x.length / all.targets.length;
  const x = new Float32Array(indices.length * size);
  indices.forEach((index, i) => x.set(all.x.subarray(index * size, (index + 1) * size), i * size));
  return { ...all, x, targets: Int32Array.from(indices.map((i) => all.targets[i])), sources: indices.map((i) => all.sources[i]), skipped: [] };
};
const [train, test] = [pick(trainIndices), pick(testIndices)];
log(`${all.targets.length} images, ${all.labels.length} labels (${all.labels.join(', ')}); train ${train.targets.length}, test ${test.targets.length}; ${cpus().length} × ${cpus()[0].model}`);

const rows: string[] = [];
const work = mkdtempSync(join(tmpdir(), 'offgrid-transfer-bench-'));
for (const transfer of [true, false]) {
  const before = load();
  const started = Date.now();
  const { report } = await trainPipeline(train, {
    budgetSeconds, seed, concurrency: 2, workDir: join(work, transfer ? 'with' : 'without'), name: 'photos', source: values.images, testData: test,
    ...(transfer ? { transfer: { readImage: (i: number) => readFile(train.sources[i]), readTestImage: (i: number) => readFile(test.sources[i]), cacheDir: join(work, 'embeddings') } } : {}),
    onEvent: (event) => event.type === 'phase' && log(`${transfer ? 'with' : 'without'}: ${event.phase}: ${event.detail}`),
  });
  rows.push(row(transfer ? 'search + transfer family' : 'search, from-scratch families only', report, before, (Date.now() - started) / 1000));
  log(rows.at(-1)!);
}

// The floor: softmax regression on the 32×32 pixels (the linear family), trained to convergence in a worker.
const before = load();
const floor = await trainInWorker({ family: 'linear', training: { learningRate: 0.01, batchSize: 16 }, trainer: { validationSplit: 0 }, data: { x: train.x, shape: [train.x.length / train.targets.length], targets: train.targets }, labels: train.labels, epochs: 100, budgetSeconds: 120, seed });
const floorTest = await evaluateOnTest({ float32: floor.tflite, int8: floor.tflite }, { x: test.x, targets: test.targets, labels: test.labels }, [...test.targets.keys()]);
rows.push(`| softmax regression on 32×32 pixels (linear family, 100 epochs, no search) | — | — | ${pct(floorTest.float32.accuracy)} (float32) | — | ${floor.metrics.seconds.toFixed(0)} s | load ${before} |`);
// A second reference: softmax regression on the backbone's frozen features (the transfer head, linear, no dropout or
// smoothing, no search), the images embedded outside any budget (the training ones come from the search's cache).
const embed = async (set: LoadedDataset) => {
  const result = await embedImageFiles({ backbone: DEFAULT_BACKBONE, count: set.targets.length, readFile: (i) => readFile(set.sources[i]), cache: directoryEmbeddingCache(join(work, 'embeddings')), maxSeconds: Infinity });
  if (!result.fits) throw new Error(result.reason);
  return result.x;
};
const [trainEmbedded, testEmbedded] = [await embed(train), await embed(test)];
const featuresBefore = load();
const probe = await trainInWorker({ family: 'transfer-head', config: { headUnits: 0, dropout: 0, labelSmoothing: 0 }, training: { learningRate: 0.01, batchSize: 16 }, trainer: { validationSplit: 0 }, data: { x: trainEmbedded, shape: [1280], targets: train.targets }, labels: train.labels, epochs: 100, budgetSeconds: 120, seed });
const probeTest = await evaluateOnTest({ float32: probe.tflite, int8: probe.tflite }, { x: testEmbedded, targets: test.targets, labels: test.labels }, [...test.targets.keys()]);
rows.push(`| softmax regression on ${DEFAULT_BACKBONE}'s frozen features (transfer head, linear, 100 epochs, no search; embedding not charged) | — | — | ${pct(probeTest.float32.accuracy)} (float32, head only) | — | ${probe.metrics.seconds.toFixed(0)} s | load ${featuresBefore} |`);
rmSync(work, { recursive: true, force: true });
console.log(['| model | winner | transfer family | test acc. int8 | float32 | wall | load average before (1, 5, 15 min) |', '|---|---|---|---|---|---|---|', ...rows].join('\n'));

function row(name: string, report: TrainReport, before: string, wall: number): string {
  const t = report.transfer;
  const transfer = !t ? 'not given' : t.offered ? `offered: ${t.samples} images embedded in ${t.seconds.toFixed(0)} s; ${report.trials.filter((x) => x.family === 'transfer-head').length} of ${report.trials.length} trials${t.packagingSeconds ? `; packaging ${t.packagingSeconds.toFixed(0)} s` : ''}` : `not offered (${t.reason})`;
  const winner = `${report.winner.family}${report.winner.family === 'transfer-head' ? ` (${report.input.shape.join('×')} input)` : ''}, val ${pct(report.metrics.validation.accuracy)}`;
  return `| ${name} | ${winner} | ${transfer} | **${pct(report.metrics.test.int8.accuracy)}** | ${pct(report.metrics.test.float32.accuracy)} (int8 agrees ${pct(report.metrics.int8AgreementWithFloat32)}) | ${wall.toFixed(0)} s | ${before} |`;
}

function pct(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}
