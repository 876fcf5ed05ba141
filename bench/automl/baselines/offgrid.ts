/**
 * offgrid's search on the folds sklearn_baselines.py wrote, through the path `offgrid train file.csv` takes
 * (loadDataset on the fold's train.csv, then trainPipeline at the same budget), scored on the fold's test.csv
 * through LiteRT.js (the report's int8 and float32 test metrics):
 *   node --import tsx bench/automl/baselines/offgrid.ts --splits /tmp/offgrid-baselines --budget 20s --text-budget 40s --tag after
 * Test rows are prepared as a phone would from report.input.preprocessing: table rows standardized with the
 * training file's scaling (`scaleFeatures`), texts tokenized with the training vocabulary.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDataset, type LoadedDataset } from '@offgrid/engine/data';
import { DEFAULT_IMAGE_SPEC, scaleFeatures, splitCsvLine } from '@offgrid/features';
import { trainPipeline } from '@offgrid/pipeline';
import { parseDuration } from '../../../packages/cli/src/terminal/progress-bar.ts';

const { values } = parseArgs({
  options: {
    splits: { type: 'string', default: '/tmp/offgrid-baselines' },
    budget: { type: 'string', default: '20s' },
    'text-budget': { type: 'string', default: '40s' },
    tag: { type: 'string', default: 'offgrid' },
    only: { type: 'string', default: '' },
    folds: { type: 'string', default: '' },
    seed: { type: 'string', default: '0' },
  },
});
const only = values.only ? values.only.split(',') : undefined;
const foldLimit = values.folds ? Number(values.folds) : Infinity;

/** The test CSV's raw rows standardized with the training file's scaling, in the training file's label order. */
function tableTest(file: string, train: LoadedDataset): LoadedDataset {
  const lines = readFileSync(file, 'utf8').trim().split('\n').map(splitCsvLine);
  const rows = lines.slice(1);
  const f = train.shape[0];
  const x = new Float32Array(rows.length * f);
  rows.forEach((row, r) => x.set(scaleFeatures(row.slice(0, -1).map(Number), train.featureScaling!), r * f));
  const targets = Int32Array.from(rows.map((row) => train.labels.indexOf(row.at(-1)!.trim())));
  if (targets.some((t) => t < 0)) throw new Error(`${file} has a label the training file lacks.`);
  return { ...train, x, targets, sources: rows.map((_, i) => `${file}:${i + 2}`), skipped: [] };
}

interface Row { dataset: string; fold: string; int8: number; float32: number; winner: string; epochs: number; trials: number; seconds: number; int8Bytes: number }
const results: Row[] = [];
const seed = Number(values.seed);
const started = new Date();
const load = [loadavg()[0]];
for (const dataset of readdirSync(values.splits!, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
  if (only && !only.includes(dataset)) continue;
  const folds = readdirSync(join(values.splits!, dataset)).sort((a, b) => Number(a.split('-')[1]) - Number(b.split('-')[1])).slice(0, foldLimit);
  for (const fold of folds) {
    const dir = join(values.splits!, dataset, fold);
    const train = await loadDataset(join(dir, 'train.csv'), DEFAULT_IMAGE_SPEC);
    const test = train.kind === 'text'
      ? await loadDataset(join(dir, 'test.csv'), DEFAULT_IMAGE_SPEC, undefined, train.preprocessing ?? {})
      : tableTest(join(dir, 'test.csv'), train);
    if (test.labels.join() !== train.labels.join()) throw new Error(`${dir}: test labels differ from the training labels.`);
    const workDir = mkdtempSync(join(tmpdir(), 'offgrid-baseline-'));
    try {
      const { report, files } = await trainPipeline(train, {
        budgetSeconds: parseDuration(train.kind === 'text' ? values['text-budget']! : values.budget!), seed, concurrency: 2, workDir,
        name: dataset, source: join(dir, 'train.csv'), testData: test,
      });
      const row: Row = {
        dataset, fold, int8: report.metrics.test.int8.accuracy, float32: report.metrics.test.float32.accuracy,
        winner: report.winner.family, epochs: report.winner.epochs, trials: report.trials.length, seconds: report.elapsedSeconds,
        int8Bytes: files.int8.length,
      };
      results.push(row);
      load.push(loadavg()[0]);
      console.log(`${dataset} ${fold}: int8 ${(row.int8 * 100).toFixed(2)}% float32 ${(row.float32 * 100).toFixed(2)}% · ${row.winner} ${row.epochs} ep · ${row.trials} trials · ${row.seconds.toFixed(0)} s · int8 ${(row.int8Bytes / 1024).toFixed(0)} KiB`);
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  }
}
const out = join(values.splits!, `offgrid-${values.tag}.json`);
writeFileSync(out, JSON.stringify({
  tag: values.tag, budget: values.budget, textBudget: values['text-budget'], seed, startedAt: started.toISOString(), finishedAt: new Date().toISOString(),
  machine: `${cpus()[0]?.model}, ${cpus().length} cores, Node ${process.version}`, loadAverage: { min: Math.min(...load), max: Math.max(...load) }, results,
}, null, 1));
console.log(`wrote ${out}`);
