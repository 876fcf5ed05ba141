import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryTrialStorage } from './memory-storage.ts';
import { SqliteTrialStorage } from './sqlite-storage.ts';
import type { TrialRecord, TrialStorage } from './trial-storage.ts';

const spec = { name: 'study-a', metric: 'accuracy', direction: 'maximize', space: '{"x":1}' } as const;

const trial = (number: number, overrides: Partial<TrialRecord> = {}): TrialRecord => ({
  number,
  config: { family: 'cnn', filters: 16 },
  status: 'running',
  rungResults: [],
  startedAt: 1000,
  updatedAt: 1000,
  ...overrides,
});

/** The same contract for every implementation, so SQLite (and later PostgreSQL) behave like memory. */
async function checkContract(storage: TrialStorage): Promise<void> {
  const study = await storage.openStudy(spec);
  assert.deepEqual({ ...study, createdAt: 0 }, { ...spec, createdAt: 0 });
  // Reopening returns the original study, not the new spec.
  assert.equal((await storage.openStudy({ ...spec, metric: 'loss' })).metric, 'accuracy');

  await storage.saveTrial(spec.name, trial(1));
  await storage.saveTrial(spec.name, trial(0, { status: 'completed', rungResults: [{ rung: 0, resource: 3, metrics: { accuracy: 0.8 }, finishedAt: 5 }] }));
  await storage.appendEpoch(spec.name, 1, { step: 2, metrics: { accuracy: 0.5 }, at: 2 });
  await storage.appendEpoch(spec.name, 1, { step: 1, metrics: { accuracy: 0.4 }, at: 1 });
  // A re-run after a crash reports step 2 again: replaced, not duplicated.
  await storage.appendEpoch(spec.name, 1, { step: 2, metrics: { accuracy: 0.55 }, at: 3 });
  await storage.saveTrial(spec.name, trial(1, { checkpoint: { ref: 'ckpt/1-2', resource: 2 }, updatedAt: 3 }));

  const trials = await storage.listTrials(spec.name);
  assert.deepEqual(
    trials.map((t) => t.number),
    [0, 1],
  );
  assert.deepEqual(trials[0].rungResults, [{ rung: 0, resource: 3, metrics: { accuracy: 0.8 }, finishedAt: 5 }]);
  assert.deepEqual(trials[1].checkpoint, { ref: 'ckpt/1-2', resource: 2 });
  assert.deepEqual(trials[1].config, { family: 'cnn', filters: 16 });
  // Saving a trial keeps its epochs.
  assert.deepEqual(trials[1].epochs, [
    { step: 1, metrics: { accuracy: 0.4 }, at: 1 },
    { step: 2, metrics: { accuracy: 0.55 }, at: 3 },
  ]);

  assert.equal(await storage.markRunningInterrupted(spec.name), 1);
  assert.deepEqual(
    (await storage.listTrials(spec.name)).map((t) => t.status),
    ['completed', 'interrupted'],
  );
  assert.equal(await storage.markRunningInterrupted(spec.name), 0);

  // Studies are separate.
  await storage.openStudy({ ...spec, name: 'study-b' });
  assert.deepEqual(await storage.listTrials('study-b'), []);
}

test('MemoryTrialStorage honours the storage contract', async () => {
  await checkContract(new MemoryTrialStorage());
});

test('SqliteTrialStorage honours the storage contract and persists across reopen', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'automl-storage-'));
  try {
    const file = join(dir, 'search.db');
    const storage = new SqliteTrialStorage(file);
    await checkContract(storage);
    storage.close();
    const reopened = new SqliteTrialStorage(file);
    const trials = await reopened.listTrials(spec.name);
    assert.deepEqual(
      trials.map((t) => [t.number, t.status, t.epochs.length]),
      [
        [0, 'completed', 0],
        [1, 'interrupted', 2],
      ],
    );
    reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
