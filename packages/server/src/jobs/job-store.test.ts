import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../storage/database.ts';
import { ProjectStore } from '../projects/project-store.ts';
import { FINAL_STATUSES, JobStore, type JobProgress } from './job-store.ts';

function withStore(run: (jobs: JobStore, projectId: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'offgrid-jobs-'));
  const db = openDatabase(join(dir, 'offgrid.db'));
  try {
    run(new JobStore(db), new ProjectStore(db).create('p', ['a', 'b']).id);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const request = { budgetSeconds: 60, seed: 0 };
const progress: JobProgress = { phase: 'searching', fraction: 0.5, elapsedSeconds: 30, etaSeconds: 30, epoch: 1, epochs: 3, trialsFinished: 2, leaderboard: [] };

test('a final job stays final: late progress ticks, a running write or a restart never bring it back', () => {
  // Regression: a progress tick during a cancelled job's cleanup wrote 'running' over 'cancelled', and the next
  // start re-queued it for its whole budget.
  withStore((jobs, projectId) => {
    for (const status of FINAL_STATUSES) {
      const job = jobs.create(projectId, ['a', 'b'], [], request);
      jobs.update(job.id, { status: 'running' });
      jobs.update(job.id, { status, ...(status === 'failed' ? { failure: { code: 'BUDGET_TOO_SMALL' as const, message: 'boom' } } : {}) });
      if (status === 'failed') {
        const stored = jobs.get(job.id);
        assert.deepEqual([stored.failure, stored.error], [{ code: 'BUDGET_TOO_SMALL', message: 'boom' }, 'boom'], 'the code and message are stored; error stays for older clients');
      }
      assert.equal(jobs.updateProgress(job.id, progress).status, status);
      assert.equal(jobs.update(job.id, { status: 'running', progress }).status, status);
      assert.equal(jobs.get(job.id).status, status);
      assert.equal(jobs.get(job.id).progress.phase, 'preparing', 'the refused tick changed nothing');
    }
    assert.equal(jobs.requeueInterrupted(), 0);
    assert.deepEqual(jobs.listForProject(projectId, { active: true }), []);
  });
});

test('statuses move forward only; a running job may be queued again after a restart', () => {
  withStore((jobs, projectId) => {
    const job = jobs.create(projectId, ['a', 'b'], [], request);
    assert.equal(jobs.update(job.id, { status: 'succeeded' }).status, 'queued', 'a queued job cannot succeed without running');
    assert.equal(jobs.update(job.id, { status: 'running' }).status, 'running');
    assert.equal(jobs.updateProgress(job.id, progress).progress.trialsFinished, 2);
    assert.equal(jobs.requeueInterrupted(), 1);
    assert.equal(jobs.get(job.id).status, 'queued');
    assert.equal(jobs.update(job.id, { status: 'cancelled' }).status, 'cancelled', 'a queued job can be cancelled');
    assert.equal(jobs.update(job.id, { status: 'cancelled' }).status, 'cancelled', 'cancelling twice is harmless');
    assert.equal(jobs.update(job.id, { status: 'succeeded' }).status, 'cancelled');
  });
});
