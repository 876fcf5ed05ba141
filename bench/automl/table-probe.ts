/**
 * Cross-validated accuracy per epoch of a few fixed configurations on one table fold, as the search's trials see it
 * (TrialPool, k-fold): where each family's curve is at the rungs (3, 9, 27, 81) and what a run costs.
 *   node --import tsx bench/automl/table-probe.ts --csv /tmp/offgrid-baselines/digits/fold-0/train.csv --epochs 81 --configs '<json array>'
 * Each config: { family, ...family hyperparameters, learningRate?, batchSize?, lrSchedule? } (splitConfig's keys).
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { loadDataset } from '@offgrid/engine/data';
import { TrialPool } from '@offgrid/engine';
import { DEFAULT_IMAGE_SPEC } from '@offgrid/features';
import { splitConfig } from '../../packages/pipeline/src/search-space.ts';

const { values } = parseArgs({ options: { csv: { type: 'string' }, epochs: { type: 'string', default: '81' }, folds: { type: 'string', default: '3' }, configs: { type: 'string' }, seed: { type: 'string', default: '0' } } });
const dataset = await loadDataset(values.csv!, DEFAULT_IMAGE_SPEC);
const configs = JSON.parse(values.configs!) as Record<string, unknown>[];
const pool = new TrialPool({ maxIdle: 1 });
const marks = [3, 9, 27, 81, 243];
for (const config of configs) {
  const { family, familyConfig, training } = splitConfig(config);
  const load = loadavg()[0];
  const t = performance.now();
  const result = await pool.train({
    family, config: familyConfig, training, data: { x: dataset.x, shape: dataset.shape, targets: dataset.targets }, labels: dataset.labels,
    epochs: Number(values.epochs), seed: Number(values.seed), budgetSeconds: 3600, folds: Number(values.folds),
  });
  const curve = marks.filter((m) => m <= result.history.length).map((m) => `${m}:${((result.history[m - 1].valAccuracy ?? 0) * 100).toFixed(1)}`).join(' ');
  const best = Math.max(...result.history.map((h) => h.valAccuracy ?? 0));
  console.log(`${JSON.stringify(config)}  ${curve}  best ${(best * 100).toFixed(1)}  ${((performance.now() - t) / 1000).toFixed(1)} s, load ${load.toFixed(1)}`);
}
await pool.close();
