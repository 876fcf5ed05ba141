import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset, type LoadedDataset } from '@offgrid/engine/data';
import { DEFAULT_IMAGE_SPEC } from '@offgrid/features';
import { readLabels, readMetadata, TfliteSession } from '@offgrid/tflite';
import { runArmNn } from '@offgrid/tflite/armnn';
import { SearchProgressTracker } from './search-progress.ts';
import { renderReportHtml } from './report-html.ts';
import { trainPipeline, type PipelineEvent } from './train-pipeline.ts';

let root: string;
before(() => { root = mkdtempSync(join(tmpdir(), 'offgrid-pipeline-')); });
after(() => rmSync(root, { recursive: true, force: true }));

/** Seeded noisy 16x16 images of one colour per label, normalized as preprocessImage does ((p - 127.5) / 127.5). */
function colourImages(perLabel: number): LoadedDataset {
  const colours: [string, [number, number, number]][] = [['blue', [40, 60, 215]], ['green', [40, 190, 60]], ['red', [210, 40, 40]]];
  const size = 16 * 16 * 3;
  const x = new Float32Array(colours.length * perLabel * size);
  const targets: number[] = [];
  let state = 4242;
  for (let i = 0; i < perLabel; i++) {
    for (const [target, [, rgb]] of colours.entries()) {
      const offset = targets.length * size;
      for (let j = 0; j < size; j++) {
        state = (state * 1103515245 + 12345) % 2 ** 31;
        x[offset + j] = (Math.max(0, Math.min(255, rgb[j % 3] + (state % 101) - 50)) - 127.5) / 127.5;
      }
      targets.push(target);
    }
  }
  return {
    kind: 'image', labels: colours.map(([label]) => label), shape: [16, 16, 3], x, targets: Int32Array.from(targets),
    sources: targets.map((_, i) => `sample-${i}`), imageNormalization: { mean: 127.5, std: 127.5 }, skipped: [],
  };
}

test('image data: search → winner → float32 + int8 files with metadata that LiteRT.js runs, a report, and a resumed second run keeps the trials', { timeout: 90_000 }, async (context) => {
  const dataset = colourImages(20);
  const workDir = join(root, 'images');
  const events: PipelineEvent[] = [];
  // 24 s: on a loaded machine a trial's worker alone takes 5–8 s to start, and the search must finish two trials.
  const tracker = new SearchProgressTracker(24);
  const fractions: number[] = [];
  const { files, report } = await trainPipeline(dataset, {
    budgetSeconds: 24, seed: 3, concurrency: 1, workDir, name: 'colours', source: 'memory',
    onEvent: (event) => { events.push(event); fractions.push(tracker.handle(event).fraction); },
  });

  const phases = events.filter((e) => e.type === 'phase').map((e) => e.phase);
  assert.equal(phases[0], 'searching');
  assert.deepEqual(phases.slice(-2), ['quantizing', 'evaluating']);
  assert.ok(!events.some((e) => e.type === 'resumed'), 'a fresh folder has nothing to resume');
  assert.deepEqual(fractions, [...fractions].sort((a, b) => a - b), 'progress never goes backwards');
  const progress = tracker.done();
  assert.equal(progress.trialsFinished, report.trials.filter((t) => /^(completed|pruned|infeasible|failed)/.test(t.status)).length);
  assert.ok(progress.trialsFinished >= 2, 'the search tried several configurations');

  assert.deepEqual(report.labels, ['blue', 'green', 'red']);
  assert.equal(report.task, 'classify');
  assert.deepEqual(report.input, {
    source: 'memory', kind: 'image', shape: [16, 16, 3], dtype: 'float32', preprocessing: { image: { width: 16, height: 16, mean: 127.5, std: 127.5 } },
    normalization: { mean: 127.5, std: 127.5 },
  });
  assert.deepEqual([report.split.test, report.split.seed], [9, 3], '15% held out, stratified');
  assert.deepEqual(report.split.grouping, { by: 'none' });
  assert.match(renderReportHtml(report), /No grouping known:<\/b> samples were split one by one/);
  assert.ok(report.metrics.test.int8.accuracy >= 0.9, `int8 test accuracy ${report.metrics.test.int8.accuracy}`);
  assert.ok(report.metrics.test.float32.accuracy >= 0.9);
  assert.deepEqual(report.sizes, { float32Bytes: files.float32.byteLength, int8Bytes: files.int8.byteLength, int8Ratio: files.int8.byteLength / files.float32.byteLength });
  assert.ok(report.sizes.int8Ratio <= 0.5, JSON.stringify(report.sizes));
  assert.equal(report.trials.filter((t) => t.status.endsWith('(winner)')).length, 1);
  assert.match(renderReportHtml(report), /<svg[^>]*aria-label="confusion matrix"/);
  for (const bytes of [files.float32, files.int8]) {
    assert.deepEqual(readLabels(bytes), ['blue', 'green', 'red']);
    assert.deepEqual(readMetadata(bytes).metadata?.inputs[0].normalization, { mean: [127.5], std: [127.5] });
    const session = await TfliteSession.create(bytes);
    assert.deepEqual(session.inputShapes, [[1, 16, 16, 3]]);
    session.close();
  }
  assert.ok(readdirSync(join(workDir, 'models')).includes(`trial-${report.winner.trialNumber}.tflite`), "finished trials' models are kept for a resume");

  // Same folder, same seed: the stored trials come back as they were and the search goes on from them.
  const resumedEvents: PipelineEvent[] = [];
  const second = await trainPipeline(dataset, {
    budgetSeconds: 20, seed: 3, concurrency: 1, workDir, name: 'colours', source: 'memory', onEvent: (event) => resumedEvents.push(event),
  });
  const resumed = resumedEvents.find((e) => e.type === 'resumed');
  assert.deepEqual(resumed?.trials.map((t) => t.number), report.trials.map((t) => t.number));
  for (const trial of report.trials.filter((t) => /^(completed|pruned)/.test(t.status))) {
    const again = second.report.trials.find((t) => t.number === trial.number)!;
    assert.deepEqual([again.startedAt, again.valAccuracy, again.history], [trial.startedAt, trial.valAccuracy, trial.history], `trial ${trial.number} kept`);
  }
  // It went on: trials cut by the first run's deadline resume first (same numbers), then new ones start.
  const interrupted = report.trials.filter((t) => t.status.startsWith('interrupted')).map((t) => t.number);
  const wentOn = second.report.trials.length > report.trials.length || interrupted.some((n) => !second.report.trials.find((t) => t.number === n)?.status.startsWith('interrupted'));
  assert.ok(wentOn, `the resumed search went on: ${JSON.stringify(second.report.trials.map((t) => [t.number, t.status]))}`);
  context.diagnostic(`first run ${report.elapsedSeconds.toFixed(1)} s, ${report.trials.length} trials, int8 test ${report.metrics.test.int8.accuracy.toFixed(3)}; resumed run ${second.report.elapsedSeconds.toFixed(1)} s, ${second.report.trials.length} trials`);
});

test('above the search sample limit: the search runs on a sample and the winner continues from its trial\'s weights on all samples', { timeout: 90_000 }, async () => {
  const dataset = colourImages(40);
  const events: PipelineEvent[] = [];
  const { report } = await trainPipeline(dataset, {
    budgetSeconds: 30, seed: 1, concurrency: 1, workDir: join(root, 'sampled'), name: 'sampled', source: 'memory', searchSampleLimit: 45,
    onEvent: (event) => events.push(event),
  });
  assert.ok(report.split.searchSamples <= 46 && report.split.searchSamples >= 44, `searched on ${report.split.searchSamples} samples`);
  const retraining = events.find((e) => e.type === 'phase' && e.phase === 'retraining');
  assert.ok(retraining?.type === 'phase' && /on all 10\d training samples, from the trial's weights/.test(retraining.detail), `phases: ${JSON.stringify(events.filter((e) => e.type === 'phase'))}`);
  assert.equal(report.winner.retrained, true);
  assert.ok(report.metrics.test.int8.accuracy >= 0.9, `int8 test accuracy ${report.metrics.test.int8.accuracy}`);
});

test('a CSV: the shipped files take raw feature values (standardized inside), said in metadata and report', { timeout: 60_000 }, async () => {
  const csv = join(root, 'sensors.csv');
  const rows = ['temperature,label,vibration'];
  let state = 7;
  const noise = () => { state = (state * 1103515245 + 12345) % 2 ** 31; return (state % 1000) / 1000 - 0.5; };
  for (let i = 0; i < 150; i++) {
    const label = ['idle', 'running', 'fault'][i % 3];
    const [t, v] = { idle: [20, 0.1], running: [45, 1.0], fault: [70, 3.0] }[label] as [number, number];
    rows.push(`${(t + noise() * 6).toFixed(2)},${label},${(v + noise() * 0.4).toFixed(3)}`);
  }
  writeFileSync(csv, rows.join('\n') + '\n');
  const dataset = await loadDataset(csv, DEFAULT_IMAGE_SPEC);
  const { files, report } = await trainPipeline(dataset, { budgetSeconds: 20, seed: 0, concurrency: 1, workDir: join(root, 'csv'), name: 'sensors', source: csv });
  assert.equal(report.input.kind, 'tabular');
  assert.deepEqual(report.input.featureNames, ['temperature', 'vibration']);
  const identity = { mean: [0, 0], std: [1, 1] };
  assert.deepEqual(report.input.featureScaling, identity, 'a caller applies nothing');
  assert.deepEqual(report.input.preprocessing, { tabular: { featureNames: ['temperature', 'vibration'], ...identity } });
  const input = readMetadata(files.int8).metadata!.inputs[0];
  assert.deepEqual([input.normalization, /Raw feature values/.test(input.description ?? '')], [identity, true]);
  // Raw rows straight into both files, as a native app would call the interpreter: the classes' centres. Arm NN, a
  // second reader, reads the shipped files (metadata and labels zip included) the same way.
  const centres = [[[20, 0.1], 'idle'], [[45, 1.0], 'running'], [[70, 3.0], 'fault']] as const;
  for (const bytes of [files.float32, files.int8]) {
    const armNn = runArmNn(bytes, centres.map(([row]) => Float32Array.from(row)));
    const session = await TfliteSession.create(bytes);
    try {
      for (const [i, [row, label]] of centres.entries()) {
        const [scores] = await session.run([Float32Array.from(row)]);
        assert.equal(report.labels[scores.indexOf(Math.max(...scores))], label, `${label}: ${Array.from(scores)}`);
        assert.ok(scores.every((p, c) => Math.abs(p - armNn[i][c]) <= 2 / 256), `Arm NN ${Array.from(armNn[i])} vs LiteRT.js ${Array.from(scores)}`);
      }
    } finally {
      session.close();
    }
  }
  assert.deepEqual(report.labels, ['fault', 'idle', 'running']);
  assert.ok(report.trials.every((t) => ['linear', 'mlp'].includes(t.family)), 'table families only');
  // 127 training rows: trials are ranked by 5-fold cross-validation, every row validated once.
  assert.equal(report.split.folds, 5);
  assert.equal(report.split.validation, report.split.searchSamples);
  for (const trial of report.trials) {
    const epochs = trial.history.map((h) => h.epoch);
    assert.deepEqual(epochs, epochs.map((_, i) => i + 1), `trial ${trial.number} reports each epoch once, in order (its folds restart at every rung)`);
  }
  assert.ok(report.metrics.test.int8.accuracy >= 0.9, `int8 test accuracy ${report.metrics.test.int8.accuracy}`);
  assert.deepEqual(readLabels(files.int8), ['fault', 'idle', 'running']);
});

test('limits and the int8 objective: trials over the MACs limit are infeasible, the winner is within it, trials are ranked on their int8 files', { timeout: 60_000 }, async () => {
  const csv = join(root, 'limits.csv');
  const rows = ['a,b,label'];
  for (let i = 0; i < 120; i++) rows.push(`${(i % 3) * 2 + ((i * 7) % 10) / 20},${((i * 13) % 10) / 10},${['x', 'y', 'z'][i % 3]}`);
  writeFileSync(csv, rows.join('\n') + '\n');
  const dataset = await loadDataset(csv, DEFAULT_IMAGE_SPEC);
  const maxMacs = 1000; // the default MLP (2 → 128 → 64 → 3: 8,640 MACs) is over it; linear (6) and small MLPs are not
  const { report } = await trainPipeline(dataset, {
    budgetSeconds: 25, seed: 0, concurrency: 2, workDir: join(root, 'limits'), name: 'limits', source: csv, objective: 'int8', limits: { maxMacs },
  });
  assert.deepEqual(report.search, { objective: 'int8', limits: { maxMacs } });
  const infeasible = report.trials.filter((t) => t.status === 'infeasible');
  assert.ok(infeasible.length >= 1, `statuses: ${report.trials.map((t) => t.status)}`);
  for (const trial of infeasible) assert.match(trial.error ?? '', /macs \d+ > max 1000/);
  assert.ok(report.winner.macs !== undefined && report.winner.macs <= maxMacs, `winner MACs ${report.winner.macs}`);
  for (const trial of report.trials.filter((t) => /^completed|^pruned/.test(t.status))) {
    assert.ok(trial.macs! <= maxMacs && trial.int8SizeKb! > 0, `trial ${trial.number}: ${trial.macs} MACs, int8 ${trial.int8SizeKb} KiB (measured for the int8 objective)`);
  }
  const html = renderReportHtml(report);
  assert.match(html, /ranked by the int8 files' validation accuracy, ≤ 1\.0 k MACs per inference/);
  assert.match(html, /macs \d+ &#62; max 1000/, 'the reason an infeasible trial lost');
});

test('a test set of other labels or another kind of data is refused by name', async () => {
  const images = colourImages(2);
  const other = { ...colourImages(2), labels: ['a', 'b', 'c'] };
  await assert.rejects(trainPipeline(images, { budgetSeconds: 10, seed: 0, concurrency: 1, workDir: join(root, 'mismatch'), name: 'a', source: 'memory', testData: other }),
    /The test set must have the same kind of data, labels and sample shape as the training data/);
  await assert.rejects(trainPipeline(images, { budgetSeconds: 10, seed: 0, concurrency: 1, workDir: join(root, 'mismatch'), name: 'a', source: 'memory', task: 'regress' as 'classify' }),
    /Unknown task "regress": use "classify" or "anomaly"/);
});
