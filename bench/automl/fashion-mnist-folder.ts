/**
 * Fashion-MNIST the way a user gets there: the 60,000 training images as PNG files in label folders, then
 * `offgrid train <folder> --budget B` as a child process (the budget includes loading and decoding), then the
 * int8 and float32 files it wrote scored on the official 10,000 test images through LiteRT.js. The test
 * images go through the product's own preprocessing (report.json's input spec), as `offgrid predict` does.
 *   node --import tsx bench/automl/fashion-mnist-folder.ts --budget 5m [--pngs /tmp/offgrid-fmnist-png] [--out dir] [-- extra train flags]
 *   node --import tsx bench/automl/fashion-mnist-folder.ts --score <dir>   (score what an earlier run wrote)
 * Needs Debian's dataset-fashion-mnist. The PNG folders are written once and reused.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { preprocessImage } from '@offgrid/features';
import { evaluateOnTest, type TrainReport } from '@offgrid/pipeline';
import { FASHION_MNIST_LABELS, readFashionMnist, type GrayImages } from './fashion-mnist-data.ts';
import { folderOf, writePngFolders } from './png-folders.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { budget: { type: 'string', default: '5m' }, pngs: { type: 'string', default: join(tmpdir(), 'offgrid-fmnist-png') }, out: { type: 'string' }, score: { type: 'string' } },
});
/** The test split as the model takes it: gray → RGB pixels (what decoding its PNGs gives), then the report's preprocessing. */
function testInputs(images: GrayImages, report: TrainReport): Float32Array {
  const spec = report.input.preprocessing?.image;
  if (!spec) throw new Error('report.json has no image preprocessing');
  const size = images.rows * images.cols;
  const per = spec.width * spec.height * 3;
  const x = new Float32Array(images.count * per);
  for (let i = 0; i < images.count; i++) {
    const rgb = new Uint8Array(size * 3);
    for (let p = 0; p < size; p++) rgb.fill(images.pixels[i * size + p], p * 3, p * 3 + 3);
    x.set(preprocessImage({ width: images.cols, height: images.rows, data: rgb }, spec), i * per);
  }
  return x;
}

const load = loadavg()[0];
let out = values.score;
let wallSeconds: number | undefined;
if (!out) {
  await writePngFolders(readFashionMnist('train'), values.pngs);
  out = values.out ?? mkdtempSync(join(tmpdir(), 'offgrid-fmnist-cli-'));
  const started = Date.now();
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['packages/cli/bin/offgrid.mjs', 'train', values.pngs, '--out', out!, '--budget', values.budget, ...positionals], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('exit', (status) => resolve(status ?? 1));
  });
  wallSeconds = (Date.now() - started) / 1000;
  if (code !== 0) throw new Error(`offgrid train exited with ${code}`);
}
const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as TrainReport;
const test = readFashionMnist('t10k');
// The model's classes are its folders' names in its own (sorted) order; the test file numbers them the official way.
const classOf = FASHION_MNIST_LABELS.map((label) => report.labels.indexOf(folderOf(label)));
if (classOf.includes(-1)) throw new Error(`the model's labels ${report.labels.join(', ')} are not Fashion-MNIST's`);
const scores = await evaluateOnTest(
  { int8: readFileSync(join(out, 'model.tflite')), float32: readFileSync(join(out, 'model_float32.tflite')) },
  { x: testInputs(test, report), targets: Int32Array.from(test.labels, (label) => classOf[label]), labels: report.labels },
  Array.from({ length: test.count }, (_, i) => i),
);
console.log(JSON.stringify({
  budget: values.budget, flags: positionals.join(' '), input: report.input.shape, int8: scores.int8.accuracy, float32: scores.float32.accuracy, agreement: scores.agreement,
  winner: `${report.winner.family} ${report.winner.epochs} ep${report.winner.retrained ? ' (retrained)' : ''}`, trials: report.trials.length,
  wallSeconds, loadAverageBefore: load, cpu: cpus()[0]?.model, cores: cpus().length, out,
}));
