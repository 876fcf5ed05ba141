/**
 * int8 methods on the models the product trains itself (issue #3: "agrees with float top-1 on ≥ 99 %
 * of a held-out set and loses ≤ 1 accuracy point"): a model family trained on Fashion-MNIST by the
 * engine's trainer within a budget, exported float32, then quantized by each activation range method,
 * with and without bias correction, calibrated on 200 training images (as the pipeline does) drawn
 * several times, and scored through LiteRT.js on the 10,000 official test images.
 * Writes its section of bench/export/RESULTS.md.
 *
 *   node --import tsx bench/export/range-methods.ts [--families small-cnn,mobilenet] [--budget 120] [--train 12000] [--draws 4]
 */
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MODEL_FAMILIES, exportTflite, fit, initWasmBackend, type TrainingData } from '@offgrid/engine';
import { CALIBRATION_SAMPLES as CALIBRATION } from '@offgrid/pipeline';
import { TfliteSession, activationStatsLiteRt, loadLiteRtNode, parseModel, quantizeInt8, serializeModel } from '@offgrid/tflite';
import type { RangeMethod } from '@offgrid/tflite';
import { writeResultsSection } from '../results-section.ts';
import { FASHION_MNIST_LABELS, grayToRgb, readFashionMnist, stratifiedOrder, type GrayImages } from '../automl/fashion-mnist-data.ts';

const { values: args } = parseArgs({
  options: {
    families: { type: 'string', default: 'small-cnn,mobilenet' }, budget: { type: 'string', default: '120' },
    train: { type: 'string', default: '12000' }, draws: { type: 'string', default: '4' },
  },
});
const families = args.families!.split(',') as (keyof typeof MODEL_FAMILIES)[];
const budgetSeconds = Number(args.budget);
const trainCount = Number(args.train);
const draws = Number(args.draws);
const CLASSES = FASHION_MNIST_LABELS.length;
const METHODS: { name: string; range: RangeMethod; biasCorrection: boolean }[] = [
  { name: 'min/max', range: 'minmax', biasCorrection: false },
  { name: 'min/max + bias correction', range: 'minmax', biasCorrection: true },
  { name: 'mse', range: 'mse', biasCorrection: false },
  { name: 'mse + bias correction (default)', range: 'mse', biasCorrection: true },
];

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
await initWasmBackend();
await loadLiteRtNode();
const train = readFashionMnist('train');
const test = readFashionMnist('t10k');
const asData = (images: GrayImages, indices: number[]): TrainingData => ({
  x: grayToRgb(images, indices, 127.5, 127.5), shape: [images.rows, images.cols, 3], targets: Int32Array.from(indices, (i) => images.labels[i]),
});
const trainData = asData(train, stratifiedOrder(train.labels, 0).slice(0, trainCount));
const testData = asData(test, Array.from({ length: test.labels.length }, (_, i) => i));
const perImage = test.rows * test.cols * 3;
const testInputs = Array.from({ length: test.labels.length }, (_, i) => testData.x.subarray(i * perImage, (i + 1) * perImage));

/** Top-1 class of every test image through LiteRT.js. */
async function predictions(bytes: Uint8Array): Promise<Int32Array> {
  const session = await TfliteSession.create(bytes);
  try {
    const top = new Int32Array(testInputs.length);
    for (const [i, input] of testInputs.entries()) {
      top[i] = await session.runWith([input], ([p]) => {
        let best = 0;
        for (let c = 1; c < p.length; c++) if (p[c] > p[best]) best = c;
        return best;
      });
    }
    return top;
  } finally {
    session.close();
  }
}
const share = (top: Int32Array, reference: ArrayLike<number>) => top.reduce((n, v, i) => n + (v === reference[i] ? 1 : 0), 0) / top.length;
const pct = (v: number) => `${(v * 100).toFixed(2)}`;
const span = (values: number[]) => `${pct(Math.min(...values))}–${pct(Math.max(...values))} (mean ${pct(values.reduce((a, b) => a + b, 0) / values.length)})`;

const rows: string[] = [];
for (const family of families) {
  log(`${family}: training ${budgetSeconds} s on ${trainCount} images…`);
  const trained = await fit(trainData, (seed) => MODEL_FAMILIES[family].build({}, trainData.shape, CLASSES, seed), { numClasses: CLASSES, budgetSeconds, seed: 0 });
  const model = parseModel(await exportTflite(trained.model, { quantize: 'float32' }));
  trained.model.dispose();
  const float = await predictions(serializeModel(model));
  const floatAccuracy = share(float, test.labels);
  const agreement = METHODS.map((): number[] => []);
  const accuracy = METHODS.map((): number[] => []);
  for (let draw = 0; draw < draws; draw++) {
    const calibration = stratifiedOrder(train.labels, 100 + draw).slice(0, CALIBRATION).map((i) => grayToRgb(train, [i], 127.5, 127.5));
    const stats = await activationStatsLiteRt(model, calibration);
    for (const [m, method] of METHODS.entries()) {
      const int8 = quantizeInt8(model, { representativeData: calibration, ranges: stats.ranges(method.range), biasCorrection: method.biasCorrection });
      const top = await predictions(serializeModel(int8));
      agreement[m].push(share(top, float));
      accuracy[m].push(share(top, test.labels));
    }
    log(`  draw ${draw + 1}/${draws}: ${METHODS.map((method, m) => `${method.name} ${pct(agreement[m][draw])} %`).join(', ')}`);
  }
  for (const [m, method] of METHODS.entries()) {
    rows.push(`| ${family} | ${pct(floatAccuracy)} | ${method.name} | ${span(agreement[m])} | ${span(accuracy[m])} | ${pct(Math.max(...accuracy[m].map((a) => floatAccuracy - a)))} |`);
  }
}

const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] ?? 'unknown';
const section = `## int8 methods on models the product trains (Fashion-MNIST)

Machine: ${cpu}, nproc ${execSync('nproc').toString().trim()}, Node ${process.version}. Date: ${new Date().toISOString().slice(0, 10)}.
Command: \`node --import tsx bench/export/range-methods.ts --families ${families.join(',')} --budget ${budgetSeconds} --train ${trainCount} --draws ${draws}\`.

Each family at its default config, trained ${budgetSeconds} s by the engine's trainer (\`fit\`, seed 0) on ${trainCount} stratified Fashion-MNIST training images (28x28, gray as RGB), exported float32; then quantized by each method, calibrated on ${CALIBRATION} training images (as the pipeline does), ${draws} different calibration draws, and run through LiteRT.js on the 10,000 official test images. Agreement: int8 top-1 = float32 top-1; accuracy against the test labels. Ranges as min–max over the draws.

| family | float32 test accuracy % | int8 method | top-1 agreement with float32 % | int8 test accuracy % | worst accuracy loss (points) |
|---|---:|---|---:|---:|---:|
${rows.join('\n')}
`;
writeResultsSection(fileURLToPath(new URL('./RESULTS.md', import.meta.url)), 'range-methods', section);
console.log(section);
