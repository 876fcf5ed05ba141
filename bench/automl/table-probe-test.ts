/**
 * Test accuracy of fixed configurations trained on one fold's whole train.csv (as the winner's retraining does) and
 * scored on its test.csv through LiteRT.js (float32 trial file): how much a configuration's test score moves with the
 * seed, apart from the search.
 *   node --import tsx bench/automl/table-probe-test.ts --fold /tmp/offgrid-baselines/digits/fold-1 --epochs 27 --seeds 0,1 --configs '<json array>'
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { loadDataset } from '@offgrid/engine/data';
import { TrialPool } from '@offgrid/engine';
import { DEFAULT_IMAGE_SPEC, scaleFeatures, splitCsvLine } from '@offgrid/features';
import { TfliteSession } from '@offgrid/tflite';
import { splitConfig } from '../../packages/pipeline/src/search-space.ts';

const { values } = parseArgs({ options: { fold: { type: 'string' }, epochs: { type: 'string', default: '27' }, seeds: { type: 'string', default: '0' }, configs: { type: 'string' } } });
const train = await loadDataset(join(values.fold!, 'train.csv'), DEFAULT_IMAGE_SPEC);
const rows = readFileSync(join(values.fold!, 'test.csv'), 'utf8').trim().split('\n').map(splitCsvLine).slice(1);
const test = rows.map((row) => Float32Array.from(scaleFeatures(row.slice(0, -1).map(Number), train.featureScaling!)));
const targets = rows.map((row) => train.labels.indexOf(row.at(-1)!.trim()));
const pool = new TrialPool({ maxIdle: 1 });
for (const config of JSON.parse(values.configs!) as Record<string, unknown>[]) {
  const scores: string[] = [];
  const t = performance.now();
  for (const seed of values.seeds!.split(',').map(Number)) {
    const { family, familyConfig, training } = splitConfig(config);
    const result = await pool.train({
      family, config: familyConfig, training, trainer: { validationSplit: 0 }, data: { x: train.x, shape: train.shape, targets: train.targets }, labels: train.labels,
      epochs: Number(values.epochs), seed, budgetSeconds: 3600,
    });
    const session = await TfliteSession.create(result.tflite);
    let correct = 0;
    try {
      for (const [i, x] of test.entries()) {
        const [p] = await session.run([x]);
        if (p.indexOf(Math.max(...p)) === targets[i]) correct += 1;
      }
    } finally {
      session.close();
    }
    scores.push((100 * correct / test.length).toFixed(1));
  }
  console.log(`${JSON.stringify(config)}  test ${scores.join(' ')}  ${((performance.now() - t) / 1000).toFixed(1)} s, load ${loadavg()[0].toFixed(1)}`);
}
await pool.close();
