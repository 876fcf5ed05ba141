import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRandom } from '@offgrid/engine';
import { loadDataset } from '@offgrid/engine/data';
import { DEFAULT_IMAGE_SPEC } from '@offgrid/features';
import { readLabels, readMetadata, TfliteSession } from '@offgrid/tflite';
import { inputsFromFile } from './input-from-file.ts';
import { modelView } from './model-input.ts';
import { writeMotion } from './test-modality-data.ts';
import { renderReportHtml } from './report-html.ts';
import { holdOutTest, trainPipeline } from './train-pipeline.ts';

let root: string;
before(() => { root = mkdtempSync(join(tmpdir(), 'offgrid-pipeline-motion-')); });
after(() => rmSync(root, { recursive: true, force: true }));

test('the test split keeps every window of a recording on one side, stratified by label', async () => {
  writeMotion(join(root, 'split'), ['shake', 'walk'], 10, 6, 1);
  const dataset = await loadDataset(join(root, 'split'), DEFAULT_IMAGE_SPEC);
  assert.equal(new Set(dataset.groups).size, 20, 'one group per recording');
  for (const seed of [0, 1, 2]) {
    const { trainIndices, testIndices } = holdOutTest(dataset, createRandom(seed));
    const groupsOf = (indices: number[]) => new Set(indices.map((i) => dataset.groups![i]));
    const [train, held] = [groupsOf(trainIndices), groupsOf(testIndices)];
    assert.deepEqual([...held].filter((g) => train.has(g)), [], `seed ${seed}: no recording straddles train and test`);
    assert.equal(trainIndices.length + testIndices.length, dataset.targets.length);
    assert.deepEqual(new Set(testIndices.map((i) => dataset.targets[i])), new Set([0, 1]), 'both labels are tested');
    assert.equal(held.size, 4, '15% of 10 recordings per label, rounded: 2 each');
  }
});

test('motion recordings: cnn1d on raw windows and mlp on spectral features compete; the winner reproduces from the report on fresh recordings', { timeout: 60_000 }, async (context) => {
  const data = join(root, 'motion');
  writeMotion(data, ['shake', 'walk'], 10, 6, 2);
  const dataset = await loadDataset(data, DEFAULT_IMAGE_SPEC);
  const { files, report } = await trainPipeline(dataset, { budgetSeconds: 18, seed: 1, concurrency: 1, workDir: join(root, 'search'), name: 'moves', source: data });

  assert.equal(report.task, 'classify');
  assert.deepEqual(report.labels, ['shake', 'walk']);
  assert.deepEqual(report.split.grouping, { by: 'recording', groups: new Set(dataset.groups).size }, 'the report says recordings were kept together');
  const families = new Set(report.trials.map((t) => t.family));
  assert.ok(families.has('cnn1d') && families.has('mlp'), `both featurizations tried: ${[...families]}`);
  const motion = report.input.preprocessing!.motion!;
  assert.equal(motion.features, report.winner.family === 'mlp' ? 'spectral' : 'raw');
  assert.equal(motion.normalization?.mean.length, 6);
  assert.deepEqual(report.input.shape, motion.features === 'spectral' ? [60] : [100, 6]);
  assert.equal(report.input.dtype, 'float32');
  assert.ok(report.metrics.test.int8.accuracy >= 0.9, `int8 test accuracy ${report.metrics.test.int8.accuracy}`);
  assert.deepEqual(readLabels(files.int8), ['shake', 'walk']);
  assert.match(readMetadata(files.int8).metadata!.inputs[0].description ?? '', motion.features === 'spectral' ? /ax_mean/ : /window/);
  assert.match(renderReportHtml(report), /<svg[^>]*aria-label="confusion matrix"/);

  // The report alone turns a recording into the windows training saw (first training file: its windows 0..4).
  const firstFile = dataset.sources[0].split('#')[0];
  const fromReport = await inputsFromFile(firstFile, report.input);
  const view = modelView(dataset, report.winner.family);
  const loaded = view.x.subarray(0, fromReport[0].input.length);
  assert.equal(view.x.length / dataset.targets.length, fromReport[0].input.length);
  assert.ok(fromReport[0].input.every((v, i) => Math.abs(v - loaded[i]) < 1e-4), `${motion.features} input reproduced`);
  assert.equal(fromReport.length, dataset.sources.filter((s) => s.startsWith(`${firstFile}#`)).length);

  // Fresh recordings (other seed), windows classified by the int8 model.
  writeMotion(join(root, 'fresh'), ['shake', 'walk'], 4, 6, 99);
  const session = await TfliteSession.create(files.int8);
  let [correct, total] = [0, 0];
  for (const [target, label] of report.labels.entries()) {
    for (let r = 0; r < 4; r++) {
      for (const { input } of await inputsFromFile(join(root, 'fresh', label, `${r}.json`), report.input)) {
        const [scores] = await session.run([input]);
        correct += Number(scores.indexOf(Math.max(...scores)) === target);
        total++;
      }
    }
  }
  session.close();
  context.diagnostic(`winner ${report.winner.family} (${motion.features}), ${report.trials.length} trials, test int8 ${report.metrics.test.int8.accuracy.toFixed(3)}, fresh windows ${correct}/${total}`);
  assert.ok(correct / total >= 0.9, `fresh windows ${correct}/${total}`);
});
