/**
 * scikit-learn's small tables through the `offgrid train` pipeline, against a softmax-regression baseline
 * trained here on the same split:
 *   node --import tsx bench/automl/tabular.ts [--budget 60s]
 * Needs Debian's python3-sklearn (its data folder only; no Python runs).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { createRandom, stratifiedSplit } from '@offgrid/engine';
import type { LoadedDataset } from '@offgrid/engine/data';
import { trainPipeline } from '@offgrid/pipeline';
import { parseDuration } from '../../packages/cli/src/terminal/progress-bar.ts';

const DATA = '/usr/lib/python3/dist-packages/sklearn/datasets/data';

interface Table { name: string; rows: number[][]; targets: number[]; labels: string[] }

/** sklearn's CSVs: the first line holds counts and class names; the label is the last column. */
function sklearnCsv(file: string, name: string): Table {
  const lines = readFileSync(join(DATA, file), 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  const labels = header.slice(2);
  const rows = lines.slice(1).map((line) => line.split(',').map(Number));
  return { name, rows: rows.map((r) => r.slice(0, -1)), targets: rows.map((r) => r.at(-1)!), labels };
}

function digits(): Table {
  const rows = gunzipSync(readFileSync(join(DATA, 'digits.csv.gz'))).toString().trim().split('\n').map((l) => l.split(',').map(Number));
  return { name: 'digits', rows: rows.map((r) => r.slice(0, -1)), targets: rows.map((r) => r.at(-1)!), labels: [...'0123456789'] };
}

/** Standardizes with the training rows' statistics only (the test rows must not leak into them). */
function toDatasets(table: Table, seed: number): { train: LoadedDataset; test: LoadedDataset } {
  const { trainIndices, validationIndices } = stratifiedSplit(table.targets, 0.25, createRandom(seed));
  const f = table.rows[0].length;
  const mean = Array.from({ length: f }, (_, c) => trainIndices.reduce((s, i) => s + table.rows[i][c], 0) / trainIndices.length);
  const std = Array.from({ length: f }, (_, c) => Math.sqrt(trainIndices.reduce((s, i) => s + (table.rows[i][c] - mean[c]) ** 2, 0) / trainIndices.length) || 1);
  const make = (indices: number[]): LoadedDataset => ({
    kind: 'tabular', labels: table.labels, shape: [f],
    x: Float32Array.from(indices.flatMap((i) => table.rows[i].map((v, c) => (v - mean[c]) / std[c]))),
    targets: Int32Array.from(indices.map((i) => table.targets[i])), sources: [],
    featureNames: Array.from({ length: f }, (_, c) => `f${c}`), featureScaling: { mean, std }, skipped: [],
  });
  return { train: make(trainIndices), test: make(validationIndices) };
}

/** Multinomial logistic regression, L2 1e-3, full-batch gradient descent with momentum: the baseline to beat. */
function logisticRegression(train: LoadedDataset, test: LoadedDataset): number {
  const f = train.shape[0];
  const k = train.labels.length;
  const w = new Float64Array((f + 1) * k);
  const velocity = new Float64Array(w.length);
  const n = train.targets.length;
  const scores = (x: Float32Array, row: number, out: Float64Array) => {
    for (let c = 0; c < k; c++) {
      let s = w[f * k + c];
      for (let j = 0; j < f; j++) s += x[row * f + j] * w[j * k + c];
      out[c] = s;
    }
  };
  const p = new Float64Array(k);
  for (let step = 0; step < 1500; step++) {
    const grad = new Float64Array(w.length);
    for (let r = 0; r < n; r++) {
      scores(train.x, r, p);
      const max = Math.max(...p);
      let sum = 0;
      for (let c = 0; c < k; c++) sum += (p[c] = Math.exp(p[c] - max));
      for (let c = 0; c < k; c++) {
        const g = p[c] / sum - (train.targets[r] === c ? 1 : 0);
        for (let j = 0; j < f; j++) grad[j * k + c] += g * train.x[r * f + j];
        grad[f * k + c] += g;
      }
    }
    for (let i = 0; i < w.length; i++) {
      velocity[i] = 0.9 * velocity[i] - 0.1 * (grad[i] / n + (i < f * k ? 1e-3 * w[i] : 0));
      w[i] += velocity[i];
    }
  }
  let correct = 0;
  for (let r = 0; r < test.targets.length; r++) {
    scores(test.x, r, p);
    if (p.indexOf(Math.max(...p)) === test.targets[r]) correct++;
  }
  return correct / test.targets.length;
}

const { values } = parseArgs({ options: { budget: { type: 'string', default: '60s' }, seed: { type: 'string', default: '0' } } });
const seed = Number(values.seed);
console.log(`Machine: ${cpus()[0]?.model}, ${cpus().length} cores, Node ${process.version}. Budget ${values.budget} per dataset, seed ${seed}. Split 75/25 stratified.\n`);
console.log('| dataset | samples × features | classes | logistic regression | offgrid int8 | offgrid float32 | winner | trials |');
console.log('|---|---|---|---|---|---|---|---|');
for (const table of [sklearnCsv('iris.csv', 'iris'), sklearnCsv('wine_data.csv', 'wine'), sklearnCsv('breast_cancer.csv', 'breast cancer'), digits()]) {
  const { train, test } = toDatasets(table, seed);
  const baseline = logisticRegression(train, test);
  const { report } = await trainPipeline(train, {
    budgetSeconds: parseDuration(values.budget), seed, concurrency: 2, workDir: mkdtempSync(join(tmpdir(), 'offgrid-tab-')),
    name: table.name, source: DATA, testData: test,
  });
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  console.log(`| ${table.name} | ${table.rows.length} × ${table.rows[0].length} | ${table.labels.length} | ${pct(baseline)} | ${pct(report.metrics.test.int8.accuracy)} | ${pct(report.metrics.test.float32.accuracy)} | ${report.winner.family} ${report.winner.epochs} ep | ${report.trials.length} |`);
}
