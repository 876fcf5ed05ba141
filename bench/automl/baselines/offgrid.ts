/**
 * offgrid's search on the folds sklearn_baselines.py wrote, through the path `offgrid train file.csv` takes
 * (loadDataset on the fold's train.csv, then trainPipeline at the same budget), scored on the fold's test.csv
 * through LiteRT.js (the report's int8 and float32 test metrics):
 *   node --import tsx bench/automl/baselines/offgrid.ts --splits /tmp/offgrid-baselines --budget 20s --text-budget 40s --tag after
 * Test rows are prepared as a phone would from report.input.preprocessing: table rows standardized with the
 * training file's scaling (`scaleFeatures`), texts tokenized with the training vocabulary.
 * `--workers fresh,warm` runs every fold once per mode, alternating which goes first, with trials in a new worker
 * thread per rung (`fresh`, before issue #19's pool) or in warm reused ones (`warm`, the default), and prints trials,
 * rungs and worker start-ups per search for each: the before/after of the trial pool on the same machine in one run.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDataset, type LoadedDataset } from '@offgrid/engine/data';
import { DEFAULT_IMAGE_SPEC, scaleFeatures, splitCsvLine } from '@offgrid/features';
import { TrialPool, type TrialExecutor } from '@offgrid/engine';
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
    workers: { type: 'string', default: 'warm' },
  },
});
const modes = values.workers!.split(',') as ('fresh' | 'warm')[];
if (modes.some((m) => m !== 'fresh' && m !== 'warm')) throw new Error('--workers takes fresh, warm or both (fresh,warm).');
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

interface Row {
  dataset: string; fold: string; int8: number; float32: number; winner: string; epochs: number; trials: number; seconds: number; int8Bytes: number;
  /** Trial workers: a new thread per rung, or warm ones; rungs = trainings asked of the executor (trials' rungs + the retraining), starts = worker threads started for them. */
  workers: 'fresh' | 'warm'; rungs: number; workerStarts?: number;
  /** Each trial in one line: number, family, its non-default-looking settings, status, epochs reached, validation accuracy (what ranked it). */
  trialLog?: string[];
}

/** A trial in one line, for reading why a family won or was pruned (issue #19: the MLP pruned at its first rung). */
function trialLine(t: { number: number; family: string; config: Record<string, unknown>; status: string; valAccuracy?: number; history: unknown[] }): string {
  const keys = ['learningRate', 'batchSize', 'lrSchedule', 'layers', 'units', 'dropout', 'l2', 'inputNoise', 'batchNorm', 'activation'];
  const settings = keys.filter((k) => k in t.config).map((k) => `${k}=${typeof t.config[k] === 'number' ? Number((t.config[k] as number).toPrecision(2)) : String(t.config[k])}`).join(' ');
  return `#${t.number} ${t.family} ${settings} · ${t.status} · ${t.history.length} ep · val ${((t.valAccuracy ?? 0) * 100).toFixed(1)}%`;
}
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
    // Alternating the order by fold spreads the machine's changing load over both modes.
    const order = Number(fold.split('-')[1]) % 2 ? [...modes].reverse() : modes;
    for (const workers of order) {
      const workDir = mkdtempSync(join(tmpdir(), 'offgrid-baseline-'));
      const pool = new TrialPool({ maxIdle: 2, reuse: workers === 'warm' });
      let rungs = 0;
      const executor: TrialExecutor = { train: (request, handlers) => { rungs += 1; return pool.train(request, handlers); } };
      try {
        const { report, files } = await trainPipeline(train, {
          budgetSeconds: parseDuration(train.kind === 'text' ? values['text-budget']! : values.budget!), seed, concurrency: 2, workDir,
          name: dataset, source: join(dir, 'train.csv'), testData: test, executor,
        });
        const row: Row = {
          dataset, fold, int8: report.metrics.test.int8.accuracy, float32: report.metrics.test.float32.accuracy,
          winner: report.winner.family, epochs: report.winner.epochs, trials: report.trials.length, seconds: report.elapsedSeconds,
          int8Bytes: files.int8.length, workers, rungs, ...(workers === 'warm' ? { workerStarts: pool.started } : {}),
          trialLog: report.trials.map(trialLine),
        };
        results.push(row);
        load.push(loadavg()[0]);
        console.log(`${dataset} ${fold} ${workers}: int8 ${(row.int8 * 100).toFixed(2)}% float32 ${(row.float32 * 100).toFixed(2)}% · ${row.winner} ${row.epochs} ep · ${row.trials} trials, ${rungs} rungs, ${row.workerStarts ?? rungs} worker starts · ${row.seconds.toFixed(0)} s · int8 ${(row.int8Bytes / 1024).toFixed(0)} KiB · load ${loadavg()[0].toFixed(1)}`);
      } finally {
        await pool.close();
        rmSync(workDir, { recursive: true, force: true });
      }
    }
  }
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
for (const dataset of [...new Set(results.map((r) => r.dataset))]) {
  for (const workers of modes) {
    const rows = results.filter((r) => r.dataset === dataset && r.workers === workers);
    if (!rows.length) continue;
    const int8 = rows.map((r) => r.int8 * 100);
    console.log(`${dataset} ${workers} (${rows.length} folds): trials ${mean(rows.map((r) => r.trials)).toFixed(1)} (${Math.min(...rows.map((r) => r.trials))}–${Math.max(...rows.map((r) => r.trials))}), rungs ${mean(rows.map((r) => r.rungs)).toFixed(1)}, worker starts ${mean(rows.map((r) => r.workerStarts ?? r.rungs)).toFixed(1)}, wall ${mean(rows.map((r) => r.seconds)).toFixed(1)} s, winner epochs ${rows.map((r) => `${r.winner} ${r.epochs}`).join(', ')}, int8 ${mean(int8).toFixed(1)} ± ${std(int8).toFixed(1)}%`);
  }
}
const out = join(values.splits!, `offgrid-${values.tag}.json`);
writeFileSync(out, JSON.stringify({
  tag: values.tag, budget: values.budget, textBudget: values['text-budget'], seed, startedAt: started.toISOString(), finishedAt: new Date().toISOString(),
  machine: `${cpus()[0]?.model}, ${cpus().length} cores, Node ${process.version}`, loadAverage: { min: Math.min(...load), max: Math.max(...load) }, results,
}, null, 1));
console.log(`wrote ${out}`);
