import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localTrials, type TrialExecutor, type TrialRequest } from '@offgrid/engine';
import { loadDataset } from '@offgrid/engine/data';
import { DEFAULT_IMAGE_SPEC } from '@offgrid/features';
import { bestCrossValidated, trainPipeline, trialTrainerFor } from './train-pipeline.ts';

const root = mkdtempSync(join(tmpdir(), 'offgrid-executor-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('every trial and the winner\'s retraining go through the injected executor', { timeout: 60_000 }, async () => {
  const csv = join(root, 'table.csv');
  const rows = ['a,b,label'];
  for (let i = 0; i < 90; i++) rows.push(`${(i % 3) * 10 + (i % 7) / 7},${(i % 3) - (i % 5) / 10},${['x', 'y', 'z'][i % 3]}`);
  writeFileSync(csv, rows.join('\n') + '\n');
  const dataset = await loadDataset(csv, DEFAULT_IMAGE_SPEC);
  const requests: TrialRequest[] = [];
  // The local executor, watched: the pipeline must not train anywhere else.
  const executor: TrialExecutor = { train: (request, handlers) => { requests.push(request); return localTrials.train(request, handlers); } };
  // Two at a time: the table search's first pair (softmax regression and the wide MLP with its cosine) starts at once.
  const { report } = await trainPipeline(dataset, { budgetSeconds: 10, seed: 1, concurrency: 2, workDir: join(root, 'work'), name: 't', source: csv, executor });
  const retrainings = requests.filter((r) => r.trainer?.validationSplit === 0);
  // ASHA promotions train a trial again (from its checkpoint), so a trial is one request or more.
  assert.ok(requests.length - retrainings.length >= report.trials.length && report.trials.length >= 1, `${requests.length} requests for ${report.trials.length} trials`);
  assert.equal(retrainings.length, report.winner.retrained ? 1 : 0, 'the retraining, when it ran, went through the executor too');
  // 90 rows: cross-validated trials, whose cosine schedule decays over the last rung (27 epochs), not over each rung.
  const trials = requests.filter((r) => !retrainings.includes(r));
  assert.ok(trials.every((r) => r.folds === 5));
  assert.ok(trials.some((r) => r.training?.lrSchedule === 'cosine'), 'the wide MLP start was tried');
  for (const r of trials) {
    assert.deepEqual(r.trainer?.lrSchedule, r.training?.lrSchedule === 'cosine' ? { type: 'cosine', epochs: 27 } : undefined, `trial request ${JSON.stringify(r.training)}`);
  }
  assert.deepEqual(trialTrainerFor({ lrSchedule: 'cosine' }, undefined), {}, 'one validation split: checkpointed rungs keep the run-length schedule');
});

test('a cross-validated search ships its best accuracy at any rung: a deeper rung wins only on a tie or better', () => {
  const entry = (trialNumber: number, value: number, resource: number) => ({ trialNumber, value, resource, config: {}, status: 'completed' as const, metrics: { valAccuracy: value } });
  // As measured on a loaded machine: softmax regression done at 27 epochs, the MLP stopped by the deadline after rung 9.
  const linear = entry(0, 0.965, 27);
  const mlp = entry(1, 0.974, 9);
  assert.equal(bestCrossValidated([linear, mlp])?.trialNumber, 1);
  assert.equal(bestCrossValidated([linear, entry(1, 0.96, 9)])?.trialNumber, 0);
  assert.equal(bestCrossValidated([entry(1, 0.965, 9), linear])?.trialNumber, 0, 'a tie goes to the deeper rung');
  assert.equal(bestCrossValidated([]), undefined);
});

test('a cross-validated rung cut short by the deadline does not replace the trial\'s earlier rung: it ends interrupted', { timeout: 60_000 }, async () => {
  const csv = join(root, 'cut.csv');
  const rows = ['a,b,label'];
  for (let i = 0; i < 90; i++) rows.push(`${(i % 3) * 10 + (i % 7) / 7},${(i % 3) - (i % 5) / 10},${['x', 'y', 'z'][i % 3]}`);
  writeFileSync(csv, rows.join('\n') + '\n');
  const dataset = await loadDataset(csv, DEFAULT_IMAGE_SPEC);
  // Every promoted rung (more than the first rung's 3 epochs) trains 1 epoch, as a deadline would leave it.
  let cut = 0;
  const executor: TrialExecutor = {
    train: (request, handlers) => {
      const promoted = request.trainer?.validationSplit !== 0 && (request.epochs ?? 0) > 3;
      if (promoted) cut += 1;
      return localTrials.train(promoted ? { ...request, epochs: 1 } : request, handlers);
    },
  };
  const { report } = await trainPipeline(dataset, { budgetSeconds: 15, seed: 1, concurrency: 2, workDir: join(root, 'cut'), name: 't', source: csv, executor });
  assert.ok(cut >= 1, 'some trial was promoted');
  for (const trial of report.trials.filter((t) => t.history.length > 0)) {
    assert.notEqual(trial.status.replace(' (winner)', ''), 'completed', `trial ${trial.number} never finished a promoted rung`);
    assert.equal(trial.history.length, 3, `trial ${trial.number} reports its first rung's epochs only`);
  }
  assert.ok(report.trials.filter((t) => t.history.length > 0).some((t) => t.status.startsWith('interrupted')), report.trials.map((t) => t.status).join());
});
