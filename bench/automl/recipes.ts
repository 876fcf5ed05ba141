/**
 * Fixed recipes vs our search on Fashion-MNIST, same data and same time budget (issue #5, DESIGN.md §4):
 *  - Teachable-Machine-style and Model-Maker-style: frozen MobileNetV2 trunk (nsfwjs, the one pretrained trunk
 *    available offline) + the recipe's head (recipe-heads.ts). Embedding is charged to the budget: both cores embed a
 *    stratified stream of training images until the recipe's head training would no longer fit (its cost measured
 *    before embedding starts), then the head trains on what was embedded.
 *  - Our search: the `offgrid train` pipeline on all 60k images with the same budget.
 * Every model is exported (trunk + head via composeClassifier; float32 and full-integer int8) and scored through
 * LiteRT.js on one fixed stratified subset of the official test set (embedding all 10k through MobileNetV2 would
 * take ~13 min per model here). Export and evaluation are not charged to the budget.
 *   node --import tsx bench/automl/recipes.ts --budget 5m [--test 1000] [--workers 2] [--skip-search]
 */
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { BACKBONES, composeClassifier, exportTfliteVariants, initWasmBackend, loadBackbone } from '@offgrid/engine';
import { evaluateOnTest, modelView, trainPipeline } from '@offgrid/pipeline';
import { TfliteSession } from '@offgrid/tflite';
import { parseDuration } from '../../packages/cli/src/terminal/progress-bar.ts';
import { EmbedPool } from './embed-pool.ts';
import { FASHION_MNIST_DIR, FASHION_MNIST_LABELS, grayToRgb, loadFashionMnist, readFashionMnist, stratifiedOrder, type GrayImages } from './fashion-mnist-data.ts';
import { headSecondsPerSampleEpoch, MODEL_MAKER, TEACHABLE_MACHINE, trainHead, type Embedded, type HeadRecipe } from './recipe-heads.ts';

/** Head cost estimates are multiplied by this before planning, so a noisy machine rarely pushes a head past the budget. */
const HEAD_COST_MARGIN = 1.25;
const CALIBRATION_IMAGES = 100;

const { values } = parseArgs({
  options: {
    budget: { type: 'string', default: '5m' }, test: { type: 'string', default: '1000' }, seed: { type: 'string', default: '0' },
    workers: { type: 'string', default: '2' }, chunk: { type: 'string', default: '32' }, 'skip-search': { type: 'boolean', default: false },
  },
});
const budgetSeconds = parseDuration(values.budget);
const [testCount, seed, workers, chunk] = [Number(values.test), Number(values.seed), Number(values.workers), Number(values.chunk)];
if (!Number.isInteger(testCount) || testCount < 10 || testCount > 10_000) throw new Error(`--test must be an integer from 10 to 10000 (got "${values.test}").`);
if (!Number.isInteger(workers) || workers < 1) throw new Error(`--workers must be a positive integer (got "${values.workers}").`);
if (!Number.isInteger(chunk) || chunk < 1) throw new Error(`--chunk must be a positive integer (got "${values.chunk}").`);
if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer (got "${values.seed}").`);

const log = (message: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
const loadAtStart = loadavg();
const numClasses = FASHION_MNIST_LABELS.length;
const info = BACKBONES['mobilenet-v2-nsfwjs'];
const [inputHeight, inputWidth] = info.inputShape;
const [pixelMean, pixelStd] = [info.normalization.mean[0], info.normalization.std[0]];

const train = readFashionMnist('train');
const test = readFashionMnist('t10k');
const trainOrder = stratifiedOrder(train.labels, seed);
const testSubset = stratifiedOrder(test.labels, seed + 1).slice(0, testCount);
await initWasmBackend();

/** One Fashion-MNIST image as the composed model takes it: [1, 224, 224, 3], pixels/255, resized like embedSamples does. */
function modelInput(images: GrayImages, index: number): Float32Array {
  return tf.tidy(() => {
    const image = tf.tensor4d(grayToRgb(images, [index], pixelMean, pixelStd), [1, images.rows, images.cols, 3]);
    return tf.image.resizeBilinear(image, [inputHeight, inputWidth]).dataSync() as Float32Array;
  });
}

const argmax = (scores: ArrayLike<number>) => {
  let best = 0;
  for (let c = 1; c < scores.length; c++) if (scores[c] > scores[best]) best = c;
  return best;
};

// ---- Budgeted part: plan the heads, embed a stratified stream on `workers` cores, train each recipe's head. ----
const started = performance.now();
const elapsed = () => (performance.now() - started) / 1000;
const recipes: HeadRecipe[] = [TEACHABLE_MACHINE, MODEL_MAKER];
/** Seconds per embedded image that each recipe's full head training costs (all its epochs). */
const headCost = new Map<HeadRecipe, number>();
for (const recipe of recipes) headCost.set(recipe, (await headSecondsPerSampleEpoch(recipe, info.featureSize, numClasses)) * recipe.epochs * HEAD_COST_MARGIN);
log(`head cost per image (all epochs, ×${HEAD_COST_MARGIN}): ${recipes.map((r) => `${r.name} ${(headCost.get(r)! * 1000).toFixed(1)} ms`).join(', ')}`);
const pool = await EmbedPool.start(workers);
log(`${workers} embedding workers ready after ${elapsed().toFixed(1)} s`);

interface Chunk { at: number; indices: number[]; x: Float32Array }
const completed: Chunk[] = [];
let [nextIndex, embeddedCount, lastLog] = [0, 0, 0];
/** Some recipe could still embed `count` images by `at` and train its head within the budget. */
const anyRecipeFits = (at: number, count: number) => recipes.some((r) => at + headCost.get(r)! * count <= budgetSeconds);
async function embedLane(): Promise<void> {
  let lastChunkSeconds = 0;
  while (nextIndex < trainOrder.length) {
    if (lastChunkSeconds > 0 && !anyRecipeFits(elapsed() + lastChunkSeconds, embeddedCount + workers * chunk)) return;
    const indices = trainOrder.slice(nextIndex, nextIndex + chunk);
    nextIndex += indices.length;
    const chunkStart = elapsed();
    const x = await pool.embed(grayToRgb(train, indices, pixelMean, pixelStd), [train.rows, train.cols, 3], indices.length);
    lastChunkSeconds = elapsed() - chunkStart;
    embeddedCount += indices.length;
    completed.push({ at: elapsed(), indices, x });
    if (elapsed() - lastLog > 30) {
      lastLog = elapsed();
      log(`embedded ${embeddedCount} training images in ${lastLog.toFixed(0)} s (${(embeddedCount / lastLog).toFixed(1)} images/s so far)`);
    }
  }
}
await Promise.all(Array.from({ length: workers }, () => embedLane()));
await pool.close();
log(`embedding stopped at ${elapsed().toFixed(1)} s with ${embeddedCount} images`);

/** The chunks a recipe would have embedded before stopping to train its head in time, in completion order. */
function embeddedFor(recipe: HeadRecipe): { data: Embedded; indices: number[]; embedSeconds: number } {
  const chosen: Chunk[] = [];
  let count = 0;
  for (const c of completed) {
    if (c.at + headCost.get(recipe)! * (count + c.indices.length) > budgetSeconds) break;
    chosen.push(c);
    count += c.indices.length;
  }
  const x = new Float32Array(count * info.featureSize);
  chosen.reduce((offset, c) => (x.set(c.x, offset), offset + c.x.length), 0);
  const indices = chosen.flatMap((c) => c.indices);
  return { data: { x, targets: indices.map((i) => train.labels[i]), featureSize: info.featureSize }, indices, embedSeconds: chosen.at(-1)?.at ?? elapsed() };
}

interface Row {
  name: string; trainImages: number; epochs: string; trainingSeconds: number; float32: number; int8: number; int8Bytes: number; float32Bytes: number;
  note?: string;
}
const rows: Row[] = [];
const backbone = await loadBackbone('mobilenet-v2-nsfwjs');
const recipeModels: { recipe: HeadRecipe; float32: Uint8Array; int8: Uint8Array; row: Row }[] = [];
for (const recipe of recipes) {
  const { data, indices, embedSeconds } = embeddedFor(recipe);
  const head = await trainHead(recipe, data, numClasses, budgetSeconds - embedSeconds, seed);
  const trainingSeconds = embedSeconds + head.seconds;
  log(`${recipe.name}: ${indices.length} images embedded by ${embedSeconds.toFixed(0)} s, head ${head.epochs}/${recipe.epochs} epochs in ${head.seconds.toFixed(1)} s (loss ${head.finalLoss.toFixed(3)}); training wall ${trainingSeconds.toFixed(0)} s`);
  // Not charged: export (int8 calibrated in LiteRT.js on training images of this recipe).
  const classifier = composeClassifier(backbone, head.model);
  const representativeData = indices.slice(0, CALIBRATION_IMAGES).map((i) => modelInput(train, i));
  const exportStart = performance.now();
  const { float32, int8 } = await exportTfliteVariants(classifier, {
    representativeData, calibration: 'litert', description: `${recipe.name} on Fashion-MNIST (offgrid bench)`,
    metadata: { labels: FASHION_MNIST_LABELS, normalization: info.normalization, name: recipe.name },
  });
  log(`${recipe.name}: exported in ${((performance.now() - exportStart) / 1000).toFixed(0)} s (float32 ${(float32.byteLength / 1024).toFixed(0)} KiB, int8 ${(int8.byteLength / 1024).toFixed(0)} KiB)`);
  // The exported float32 graph must be the TF.js model it came from (a wrong export would score the recipe unfairly).
  const probe = modelInput(test, testSubset[0]);
  const expected = tf.tidy(() => (classifier.predict(tf.tensor4d(probe, [1, inputHeight, inputWidth, 3])) as tf.Tensor).dataSync());
  const session = await TfliteSession.create(float32);
  const [actual] = await session.run([probe]);
  session.close();
  const error = Math.max(...actual.map((v, c) => Math.abs(v - expected[c])));
  if (!(error <= 1e-3)) throw new Error(`${recipe.name}: float32 TFLite differs from TF.js by ${error} on a test image; the export is wrong.`);
  const row: Row = { name: recipe.name, trainImages: indices.length, epochs: `${head.epochs} of ${recipe.epochs}`, trainingSeconds, float32: NaN, int8: NaN, int8Bytes: int8.byteLength, float32Bytes: float32.byteLength };
  recipeModels.push({ recipe, float32, int8, row });
  rows.push(row);
}

// ---- Not charged: LiteRT.js accuracy of every recipe file on the fixed test subset (one resize per image). ----
{
  const evalStart = performance.now();
  const files = recipeModels.flatMap((m) => [m.float32, m.int8]);
  const sessions = await Promise.all(files.map((bytes) => TfliteSession.create(bytes)));
  const correct = files.map(() => 0);
  for (const index of testSubset) {
    const input = modelInput(test, index);
    for (const [s, session] of sessions.entries()) if (argmax((await session.run([input]))[0]) === test.labels[index]) correct[s]++;
  }
  for (const session of sessions) session.close();
  recipeModels.forEach((m, i) => {
    m.row.float32 = correct[2 * i] / testSubset.length;
    m.row.int8 = correct[2 * i + 1] / testSubset.length;
  });
  log(`recipes evaluated on ${testSubset.length} test images in ${((performance.now() - evalStart) / 1000).toFixed(0)} s`);
}

// ---- Our search: the `offgrid train` pipeline, same budget, all 60k training images. ----
let fullTest: { int8: number; float32: number } | undefined;
if (!values['skip-search']) {
  const trainSet = loadFashionMnist('train');
  const testSet = loadFashionMnist('t10k');
  const searchStart = performance.now();
  let trainingSeconds = NaN;
  const { files, report } = await trainPipeline(trainSet, {
    budgetSeconds, seed, concurrency: workers, workDir: mkdtempSync(join(tmpdir(), 'offgrid-recipes-')), name: 'fashion-mnist', source: FASHION_MNIST_DIR, testData: testSet,
    onEvent: (event) => {
      if (event.type !== 'phase') return;
      if (event.phase === 'quantizing') trainingSeconds = (performance.now() - searchStart) / 1000;
      log(`search ${event.phase}: ${event.detail}`);
    },
  });
  const view = modelView(testSet, report.winner.family);
  const onSubset = await evaluateOnTest(files, { x: view.x, targets: testSet.targets, labels: testSet.labels }, testSubset);
  fullTest = { int8: report.metrics.test.int8.accuracy, float32: report.metrics.test.float32.accuracy };
  rows.push({
    name: 'offgrid search (`offgrid train` pipeline)', trainImages: trainSet.targets.length,
    epochs: `${report.winner.family}, ${report.winner.epochs}${report.winner.retrained ? ' (retrained on all)' : ''}`, trainingSeconds,
    float32: onSubset.float32.accuracy, int8: onSubset.int8.accuracy, int8Bytes: files.int8.byteLength, float32Bytes: files.float32.byteLength,
    note: `${report.trials.length} trials`,
  });
}

// ---- Report ----
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
const lines = [
  `| model | training images used | epochs (head / winner) | training wall | float32 acc. (${testSubset.length} test) | int8 acc. (${testSubset.length} test) | int8 size (× float32) |`,
  '|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.name} | ${r.trainImages.toLocaleString('en-US')} | ${r.epochs} | ${r.trainingSeconds.toFixed(0)} s | ${pct(r.float32)} | ${pct(r.int8)} | ${kib(r.int8Bytes)} (${(r.int8Bytes / r.float32Bytes).toFixed(2)}×)${r.note ? `; ${r.note}` : ''} |`),
];
console.log(lines.join('\n'));
if (fullTest) console.log(`\nSearch on the full 10k test set: int8 ${pct(fullTest.int8)}, float32 ${pct(fullTest.float32)}.`);
const halfWidth = 1.96 * Math.sqrt(0.25 / testSubset.length);
console.log(`Test subset: ${testSubset.length} images, stratified (seed ${seed + 1}); a 95% interval on one accuracy is at most ±${pct(halfWidth)}.`);
console.log(`Budget ${budgetSeconds} s; machine: ${cpus()[0]?.model}, nproc ${cpus().length}, Node ${process.version}; load average at start ${loadAtStart.map((v) => v.toFixed(2)).join(' ')}, at end ${loadavg().map((v) => v.toFixed(2)).join(' ')}; ${new Date().toISOString()}.`);
console.log(JSON.stringify({ budgetSeconds, testImages: testSubset.length, rows, fullTest }));
