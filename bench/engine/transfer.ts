/**
 * Transfer learning vs training from scratch on a small labelled image set (issue #4): Fashion-MNIST, N images per
 * class for training, a fixed stratified test subset. Both sides get the same wall-clock budget:
 * - transfer: the frozen backbone embeds the training images (charged to the budget), then transfer heads
 *   (`trainTransferHead`'s family, a few configs) train on the embeddings until the budget is spent; the best on
 *   validation accuracy wins;
 * - scratch: the `small-cnn` family at its defaults through the engine's trainer (`fit`), on the images as
 *   `offgrid train` gives them (RGB, (pixel − 127.5) / 127.5).
 * Test accuracy of the TF.js models side by side, then each winner exported to float32 and int8 TFLite and
 * evaluated through LiteRT.js (first seed only: the .tflite runs dominate the time).
 *
 * A second scratch run ("scratch, budget filled") lifts the trainer's 50-epoch plan (500 epochs, early stopping with
 * patience 20, best weights restored), so the from-scratch side may use the whole budget as the transfer side does.
 *
 *   node --import tsx bench/engine/transfer.ts [--per-class 50] [--test 1000] [--tflite-test 200] [--budget 180] [--seeds 0]
 *     [--backbone mobilenet-v2-nsfwjs] [--data <dir with imported backbones>] [--no-tflite]
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import {
  MODEL_FAMILIES, classificationReport, composeClassifier, composeTfliteClassifier, embedSamples, exportTflite, exportTfliteModel, fit,
  initWasmBackend, isTfliteBackbone, loadBackbone, predictSamples, trainTransferHead, transferHeadFamily, transferTrainerOptions,
  type AnyBackbone, type BackboneName, type Config, type ExportOptions, type TrainingData,
} from '@offgrid/engine';
import { TfliteSession, loadLiteRtNode } from '@offgrid/tflite';
import { FASHION_MNIST_LABELS, grayToRgb, readFashionMnist, stratifiedOrder, type GrayImages } from '../automl/fashion-mnist-data.ts';

const { values: args } = parseArgs({
  options: {
    'per-class': { type: 'string', default: '50' }, test: { type: 'string', default: '1000' }, 'tflite-test': { type: 'string', default: '200' },
    budget: { type: 'string', default: '180' },
    seeds: { type: 'string', default: '0' }, backbone: { type: 'string', default: 'mobilenet-v2-nsfwjs' }, data: { type: 'string' },
    'no-tflite': { type: 'boolean', default: false },
  },
});
const perClass = Number(args['per-class']);
const testCount = Number(args.test);
/** LiteRT.js runs the 224×224 transfer model at ~0.1–0.2 s an image here: a stratified prefix of the test set. */
const tfliteTestCount = Math.min(testCount, Number(args['tflite-test']));
const budgetSeconds = Number(args.budget);
const seeds = args.seeds!.split(',').map(Number);
const CLASSES = FASHION_MNIST_LABELS.length;
/** Head configs the transfer side tries in turn while budget is left (Model Maker's defaults first, then Teachable-Machine-like). */
const HEAD_CONFIGS: Config[] = [{}, { headUnits: 128 }, { headUnits: 512, dropout: 0.3 }, { headUnits: 0, labelSmoothing: 0 }];

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const loadBefore = loadavg();
await initWasmBackend();
await loadLiteRtNode();

const train = readFashionMnist('train');
const test = readFashionMnist('t10k');
const pick = (labels: ArrayLike<number>, count: number, seed: number) => stratifiedOrder(labels, seed).slice(0, count);
const trainIndices = pick(train.labels, perClass * CLASSES, 0);
const testIndices = pick(test.labels, testCount, 1);
const asData = (images: GrayImages, indices: number[], mean: number, std: number): TrainingData => ({
  x: grayToRgb(images, indices, mean, std), shape: [images.rows, images.cols, 3], targets: Int32Array.from(indices, (i) => images.labels[i]),
});
const accuracy = (scores: Float32Array, targets: ArrayLike<number>) => classificationReport(scores, Array.from(targets), CLASSES).accuracy;

// --data: the data directory of `offgrid backbones import`, to measure an imported backbone instead.
const backbone: AnyBackbone = args.data ? await loadBackbone(args.backbone!, { dataDir: args.data }) : await loadBackbone(args.backbone as BackboneName);
const exportTransfer = (head: tf.LayersModel, options: ExportOptions) => (isTfliteBackbone(backbone)
  ? exportTfliteModel(composeTfliteClassifier(backbone, head), options)
  : exportTflite(composeClassifier(backbone, head), options));
const { mean: [bMean], std: [bStd] } = backbone.info.normalization;
const transferTrain = asData(train, trainIndices, bMean, bStd);
const transferTest = asData(test, testIndices, bMean, bStd);
const scratchTrain = asData(train, trainIndices, 127.5, 127.5);
const scratchTest = asData(test, testIndices, 127.5, 127.5);
const all = (n: number) => Array.from({ length: n }, (_, i) => i);

log(`embedding the ${testIndices.length} test images (evaluation only, not charged)…`);
const testEmbedded = await embedSamples(backbone, transferTest);

interface SideResult { seconds: number; detail: string; testAccuracy: number; model: tf.LayersModel }

async function transferSide(seed: number): Promise<SideResult> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  // No cache across seeds: every seed pays for its embeddings, as a fresh job would.
  const first = await trainTransferHead(backbone, transferTrain, { numClasses: CLASSES, budgetSeconds, seed, config: HEAD_CONFIGS[0] });
  let best = { config: HEAD_CONFIGS[0], result: first as { model: tf.LayersModel; metrics: { valAccuracy?: number } } };
  const tried = [`${JSON.stringify(HEAD_CONFIGS[0])} val ${first.metrics.valAccuracy?.toFixed(3)}`];
  for (const config of HEAD_CONFIGS.slice(1)) {
    const left = budgetSeconds - elapsed();
    if (left < 2) break;
    const result = await fit(first.embedded, (s) => transferHeadBuild(config, s), { numClasses: CLASSES, budgetSeconds: left, seed, labelSmoothing: smoothingOf(config) });
    tried.push(`${JSON.stringify(config)} val ${result.metrics.valAccuracy?.toFixed(3)}`);
    if ((result.metrics.valAccuracy ?? 0) > (best.result.metrics.valAccuracy ?? 0)) {
      best.result.model.dispose();
      best = { config, result };
    } else result.model.dispose();
  }
  const seconds = elapsed();
  const testAccuracy = accuracy(await predictSamples(best.result.model, testEmbedded, all(testCount)), transferTest.targets);
  return {
    seconds, testAccuracy, model: best.result.model,
    detail: `embedding ${first.seconds.embedding.toFixed(1)} s; heads tried: ${tried.join('; ')}; winner ${JSON.stringify(best.config)}`,
  };
}

const transferHeadBuild = (config: Config, seed: number) => transferHeadFamily.build(config, [backbone.info.featureSize], CLASSES, seed);
const smoothingOf = (config: Config) => transferTrainerOptions(config).labelSmoothing;

async function scratchSide(seed: number, fillBudget: boolean): Promise<SideResult> {
  const started = performance.now();
  const result = await fit(scratchTrain, (s) => MODEL_FAMILIES['small-cnn'].build({}, scratchTrain.shape, CLASSES, s), {
    numClasses: CLASSES, budgetSeconds, seed, ...(fillBudget ? { epochs: 500, earlyStopping: { patience: 20 } } : {}),
  });
  const seconds = (performance.now() - started) / 1000;
  const testAccuracy = accuracy(await predictSamples(result.model, scratchTest, all(testCount)), scratchTest.targets);
  return {
    seconds, testAccuracy, model: result.model,
    detail: `${result.epochs} epochs${result.metrics.bestEpoch ? ` (best ${result.metrics.bestEpoch})` : ''}, stopped by ${result.stoppedBy}, val ${result.metrics.valAccuracy?.toFixed(3)}`,
  };
}

/** Test accuracy of a .tflite on the first `count` test inputs, made one at a time (224×224 inputs for 1000 images would not fit comfortably at once). */
async function tfliteAccuracy(bytes: Uint8Array, input: (i: number) => Float32Array, allTargets: ArrayLike<number>, count: number): Promise<{ accuracy: number; msPerImage: number }> {
  const session = await TfliteSession.create(bytes);
  const predictions: number[] = [];
  const targets = Array.from(allTargets).slice(0, count);
  const started = performance.now();
  try {
    for (let i = 0; i < targets.length; i++) {
      const [scores] = await session.run([input(i)]);
      predictions.push(scores.indexOf(Math.max(...scores)));
    }
  } finally {
    session.close();
  }
  return { accuracy: classificationReport(predictions, targets, CLASSES).accuracy, msPerImage: (performance.now() - started) / targets.length };
}

const sample = (data: TrainingData, i: number) => {
  const size = data.shape.reduce((a, b) => a * b, 1);
  return data.x.subarray(i * size, (i + 1) * size);
};
const resized = (b: AnyBackbone, data: TrainingData, i: number): Float32Array => tf.tidy(() => {
  const [h, w] = b.info.inputShape;
  return tf.image.resizeBilinear(tf.tensor4d(sample(data, i), [1, ...data.shape] as [number, number, number, number]), [h, w]).dataSync() as Float32Array;
});

const rows: string[] = [];
const tfliteRows: string[] = [];
for (const seed of seeds) {
  log(`seed ${seed}: transfer (budget ${budgetSeconds} s, embedding included)…`);
  const transfer = await transferSide(seed);
  log(`  transfer ${transfer.testAccuracy.toFixed(3)} in ${transfer.seconds.toFixed(1)} s (${transfer.detail})`);
  log(`seed ${seed}: scratch small-cnn (budget ${budgetSeconds} s)…`);
  const scratch = await scratchSide(seed, false);
  log(`  scratch ${scratch.testAccuracy.toFixed(3)} in ${scratch.seconds.toFixed(1)} s (${scratch.detail})`);
  const filled = await scratchSide(seed, true);
  log(`  scratch, budget filled ${filled.testAccuracy.toFixed(3)} in ${filled.seconds.toFixed(1)} s (${filled.detail})`);
  filled.model.dispose();
  const cell = (r: SideResult) => `${r.testAccuracy.toFixed(3)} | ${r.seconds.toFixed(0)} s: ${r.detail}`;
  rows.push(`| ${seed} | ${cell(transfer)} | ${cell(scratch)} | ${cell(filled)} |`);

  if (!args['no-tflite'] && seed === seeds[0]) {
    const transferCalibration = trainIndices.slice(0, 100).map((_, i) => resized(backbone, transferTrain, i));
    const scratchCalibration = trainIndices.slice(0, 100).map((_, i) => Float32Array.from(sample(scratchTrain, i)));
    const exportScratch = (options: ExportOptions) => exportTflite(scratch.model, options);
    for (const [side, exportAs, calibration, input, targets, tfjsModel, tfjsData] of [
      ['transfer', (options: ExportOptions) => exportTransfer(transfer.model, options), transferCalibration, (i: number) => resized(backbone, transferTest, i), transferTest.targets, transfer.model, testEmbedded],
      ['scratch', exportScratch, scratchCalibration, (i: number) => Float32Array.from(sample(scratchTest, i)), scratchTest.targets, scratch.model, scratchTest],
    ] as const) {
      const subset = all(tfliteTestCount);
      const tfjs = accuracy(await predictSamples(tfjsModel, tfjsData, subset), Array.from(targets).slice(0, tfliteTestCount));
      tfliteRows.push(`| ${side} | TF.js | ${tfjs.toFixed(3)} | | |`);
      for (const precision of ['float32', 'int8'] as const) {
        log(`  ${side} ${precision}: export and LiteRT.js on ${tfliteTestCount} test images…`);
        const started = performance.now();
        const bytes = await exportAs(precision === 'int8' ? { quantize: 'int8', representativeData: calibration, calibration: 'litert' } : {});
        const exportSeconds = (performance.now() - started) / 1000;
        const result = await tfliteAccuracy(bytes, input, targets, tfliteTestCount);
        log(`    ${result.accuracy.toFixed(3)} (${(bytes.length / 1024).toFixed(0)} KiB, export ${exportSeconds.toFixed(1)} s, ${result.msPerImage.toFixed(1)} ms/image)`);
        tfliteRows.push(`| ${side} | ${precision} | ${result.accuracy.toFixed(3)} | ${(bytes.length / 1024).toFixed(0)} KiB | ${result.msPerImage.toFixed(1)} ms |`);
      }
    }
  }
  transfer.model.dispose();
  scratch.model.dispose();
}

const loadAfter = loadavg();
const machine = `${cpus().length} × ${cpus()[0].model}, Node ${process.version}`;
process.stdout.write([
  `Fashion-MNIST, ${perClass} training images per class (${trainIndices.length}; the trainer holds 20% out for validation), ${testCount} stratified test images (LiteRT.js: the first ${tfliteTestCount}, also stratified); budget ${budgetSeconds} s per side; backbone ${backbone.info.name}.`,
  `Machine: ${machine}; load average before ${loadBefore.map((l) => l.toFixed(1)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(1)).join(' ')}; ${new Date().toISOString()}.`,
  '',
  '| seed | transfer (frozen backbone + head) test acc. | transfer: time, detail | scratch (small-cnn defaults) test acc. | scratch: time, detail | scratch, budget filled, test acc. | time, detail |',
  '|---|---|---|---|---|---|---|',
  ...rows,
  ...(tfliteRows.length ? ['', `| winner | model | test acc. (first ${tfliteTestCount}) | file | LiteRT.js per image |`, '|---|---|---|---|---|', ...tfliteRows] : []),
  '',
].join('\n'));
