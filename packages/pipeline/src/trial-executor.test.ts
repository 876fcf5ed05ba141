import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localTrials, type TrialExecutor, type TrialRequest } from '@offgrid/engine';
import { loadDataset } from '@offgrid/engine/data';
import { DEFAULT_IMAGE_SPEC } from '@offgrid/features';
import { trainPipeline } from './train-pipeline.ts';

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
  const { report } = await trainPipeline(dataset, { budgetSeconds: 10, seed: 1, concurrency: 1, workDir: join(root, 'work'), name: 't', source: csv, executor });
  const retrainings = requests.filter((r) => r.trainer?.validationSplit === 0);
  // ASHA promotions train a trial again (from its checkpoint), so a trial is one request or more.
  assert.ok(requests.length - retrainings.length >= report.trials.length && report.trials.length >= 1, `${requests.length} requests for ${report.trials.length} trials`);
  assert.equal(retrainings.length, report.winner.retrained ? 1 : 0, 'the retraining, when it ran, went through the executor too');
});
