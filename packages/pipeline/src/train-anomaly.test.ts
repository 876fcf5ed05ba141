import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset } from '@offgrid/engine/data';
import { DEFAULT_IMAGE_SPEC } from '@offgrid/features';
import { readAnomalyThreshold, readMetadata, TfliteSession } from '@offgrid/tflite';
import { inputsFromFile } from './input-from-file.ts';
import { writeMotion, writeTexts } from './test-modality-data.ts';
import { renderReportHtml } from './report-html.ts';
import { trainPipeline } from './train-pipeline.ts';

let root: string;
before(() => { root = mkdtempSync(join(tmpdir(), 'offgrid-pipeline-anomaly-')); });
after(() => rmSync(root, { recursive: true, force: true }));

test('anomaly on motion: learns normal from spectral features of normal recordings, flags the knocking machine; report and files agree', { timeout: 60_000 }, async (context) => {
  const data = join(root, 'machine');
  writeMotion(data, ['normal'], 36, 6, 5);
  writeMotion(data, ['fault'], 6, 6, 6);
  const dataset = await loadDataset(data, DEFAULT_IMAGE_SPEC);
  const { files, report } = await trainPipeline(dataset, {
    budgetSeconds: 15, seed: 0, concurrency: 1, workDir: join(root, 'search'), name: 'machine', source: data, task: 'anomaly', falseAlarmRate: 0.02,
  });

  assert.equal(report.task, 'anomaly');
  assert.deepEqual(report.input.shape, [60]);
  assert.equal(report.input.preprocessing!.motion?.features, 'spectral');
  const anomaly = report.metrics.anomaly!;
  assert.equal(anomaly.falseAlarmRate, 0.02);
  assert.equal(readAnomalyThreshold(files.float32), Math.fround(anomaly.threshold));
  assert.equal(readAnomalyThreshold(files.int8), Math.fround(anomaly.thresholdInt8));
  assert.match(readMetadata(files.int8).metadata!.inputs[0].description ?? '', /ax_mean \[standardized m\/s²\]/);
  assert.equal(anomaly.knownAnomalies?.samples, 30, 'every fault window is a known anomaly');
  assert.ok(anomaly.heldOutNormal.samples >= 20, `held-out normal windows ${anomaly.heldOutNormal.samples}`);
  assert.ok(anomaly.knownAnomalies!.detectedInt8 >= 0.9, `detected ${anomaly.knownAnomalies!.detectedInt8}`);
  assert.ok(anomaly.heldOutNormal.falseAlarmsInt8 <= 0.15, `false alarms ${anomaly.heldOutNormal.falseAlarmsInt8}`);
  assert.ok(anomaly.auroc! >= 0.95, `AUROC ${anomaly.auroc}`);
  assert.equal(report.split.test, anomaly.heldOutNormal.samples + 30);
  assert.deepEqual(report.metrics.test.int8.perClass.map((c) => c.label), ['normal', 'anomaly']);
  assert.equal(anomaly.scoreHistogram.normal.reduce((a, b) => a + b), anomaly.heldOutNormal.samples);
  assert.equal(report.trials.length, 1);
  assert.ok(report.trials[0].history.length >= 1);
  const html = renderReportHtml(report);
  assert.match(html, /<svg[^>]*aria-label="anomaly score histogram"/);
  assert.match(html, /False alarms/);

  // Scores from the report's preprocessing: a fresh normal recording is mostly quiet, a fresh fault alarms.
  writeMotion(join(root, 'fresh'), ['normal', 'fault'], 2, 8, 42);
  const session = await TfliteSession.create(files.int8);
  const alarms = async (label: string) => {
    let [flagged, total] = [0, 0];
    for (const file of ['0.json', '1.json']) {
      for (const { input } of await inputsFromFile(join(root, 'fresh', label, file), report.input, 'anomaly')) {
        const [[score]] = await session.run([input]);
        flagged += Number(score > anomaly.thresholdInt8);
        total++;
      }
    }
    return flagged / total;
  };
  const [normalAlarms, faultAlarms] = [await alarms('normal'), await alarms('fault')];
  session.close();
  context.diagnostic(`epochs ${report.winner.epochs}, AUROC ${anomaly.auroc?.toFixed(3)}, detected int8 ${anomaly.knownAnomalies!.detectedInt8.toFixed(3)}, false alarms int8 ${anomaly.heldOutNormal.falseAlarmsInt8.toFixed(3)} of ${anomaly.heldOutNormal.samples}; fresh: normal ${normalAlarms.toFixed(2)}, fault ${faultAlarms.toFixed(2)}`);
  assert.ok(faultAlarms >= 0.9 && normalAlarms <= 0.2, `fresh alarms: normal ${normalAlarms}, fault ${faultAlarms}`);
});

test('anomaly on a normal-only CSV; data without "normal" and text data are refused by name', { timeout: 30_000 }, async () => {
  const csv = join(root, 'normal.csv');
  const rows = ['pressure,temperature,label'];
  for (let i = 0; i < 160; i++) rows.push(`${(100 + Math.sin(i) * 2).toFixed(3)},${(20 + Math.cos(i * 1.3)).toFixed(3)},normal`);
  writeFileSync(csv, rows.join('\n') + '\n');
  await assert.rejects(loadDataset(csv, DEFAULT_IMAGE_SPEC), /needs at least two distinct labels/);
  const dataset = await loadDataset(csv, DEFAULT_IMAGE_SPEC, undefined, {}, { minLabels: 1 });
  const { report, files } = await trainPipeline(dataset, { budgetSeconds: 5, seed: 0, concurrency: 1, workDir: join(root, 'csv'), name: 'csv', source: csv, task: 'anomaly' });
  assert.deepEqual(report.input.preprocessing!.tabular, { featureNames: ['pressure', 'temperature'], mean: [0, 0], std: [1, 1] }, 'the files standardize inside');
  // Raw rows straight into the int8 file: a usual reading is normal, a pressure drop alarms.
  const session = await TfliteSession.create(files.int8);
  const score = async (row: number[]) => (await session.run([Float32Array.from(row)]))[0][0];
  const [usual, drop] = [await score([100.5, 20.2]), await score([90, 20.2])];
  session.close();
  const threshold = report.metrics.anomaly!.thresholdInt8;
  assert.ok(usual < threshold && drop > threshold, `usual ${usual}, drop ${drop}, threshold ${threshold}`);
  assert.equal(report.metrics.anomaly?.knownAnomalies, undefined, 'no other label: no detection figures');
  assert.equal(report.metrics.anomaly?.heldOutNormal.samples, 24);

  const faults = { ...dataset, labels: ['fault', 'idle'] };
  await assert.rejects(trainPipeline(faults, { budgetSeconds: 5, seed: 0, concurrency: 1, workDir: join(root, 'x'), name: 'x', source: 'x', task: 'anomaly' }),
    /learns from samples labelled "normal"; this data has the labels fault, idle/);
  await assert.rejects(trainPipeline(dataset, { budgetSeconds: 5, seed: 0, concurrency: 1, workDir: join(root, 'y'), name: 'y', source: 'y' }),
    /Classification needs at least two labels \(found normal\); for data of one "normal" label use task "anomaly"/);
  writeTexts(join(root, 'texts'), 3, 1);
  const texts = await loadDataset(join(root, 'texts'), DEFAULT_IMAGE_SPEC);
  await assert.rejects(trainPipeline({ ...texts, labels: ['normal', 'b', 'c'] }, { budgetSeconds: 5, seed: 0, concurrency: 1, workDir: join(root, 'z'), name: 'z', source: 'z', task: 'anomaly' }),
    /Anomaly detection takes tabular, motion or audio data, not text/);
});
