/**
 * Crash safety end to end: a real child process runs a search on SQLite and is killed with SIGKILL in
 * the middle; a second run on the same file must keep what finished, continue what was running (from its
 * checkpoint), create no duplicate trials, and complete the study.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomSampler } from '../samplers/random-sampler.ts';
import { SqliteTrialStorage } from '../storage/sqlite-storage.ts';
import { runSearch } from './run-search.ts';
import { CRASH_STUDY, crashScheduler } from './test-crash-fixture.ts';
import { toyObjective, type ToyCall } from './test-toy-objective.ts';

const fixture = join(import.meta.dirname, 'test-crash-fixture.ts');

/** Starts the fixture and SIGKILLs it as soon as `finishedBeforeKill` trials have finished. */
function runChildUntilKilled(dbFile: string, finishedBeforeKill: number): Promise<{ output: string; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, dbFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let errors = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
      if (output.split('\n').filter((line) => line.startsWith('finished')).length >= finishedBeforeKill) child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk));
    child.on('error', reject);
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve({ output, signal }) : reject(new Error(`child was not killed (it ran to the end?): ${output}${errors}`))));
  });
}

test('a search killed with SIGKILL resumes from SQLite without losing or duplicating trials', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'automl-crash-'));
  const dbFile = join(dir, 'search.db');
  try {
    await runChildUntilKilled(dbFile, 2);

    const storage = new SqliteTrialStorage(dbFile);
    const beforeResume = await storage.listTrials(CRASH_STUDY.studyName);
    const finishedBefore = beforeResume.filter((t) => t.status !== 'running');
    const runningAtCrash = beforeResume.filter((t) => t.status === 'running');
    assert.ok(finishedBefore.length >= 2, 'the child finished trials before it was killed');
    assert.ok(runningAtCrash.length >= 1, 'the kill hit trials in flight');
    assert.ok(beforeResume.length < CRASH_STUDY.maxTrials, 'the kill left trials to run');

    const calls: ToyCall[] = [];
    const result = await runSearch({
      ...CRASH_STUDY,
      sampler: randomSampler({ seed: 1 }),
      scheduler: crashScheduler(),
      objective: toyObjective({ epochMs: 1, calls }),
      budgetSeconds: 30,
      storage,
    });

    assert.equal(result.stopReason, 'completed');
    assert.deepEqual(
      result.trials.map((t) => t.number),
      Array.from({ length: CRASH_STUDY.maxTrials }, (_, i) => i),
    );
    assert.ok(result.trials.every((t) => t.status === 'completed' || t.status === 'pruned'));
    for (const before of finishedBefore) {
      const { epochs: _e, ...after } = result.trials.find((t) => t.number === before.number)!;
      const { epochs: _b, ...expected } = before;
      assert.deepEqual(after, expected, `trial ${before.number} was kept as it finished`);
    }
    for (const crashed of runningAtCrash) {
      const resumedCall = calls.find((c) => c.trialNumber === crashed.number);
      assert.ok(resumedCall, `trial ${crashed.number} was continued`);
      assert.equal(resumedCall.fromEpoch, crashed.checkpoint?.resource ?? 0);
      assert.equal(resumedCall.checkpoint, crashed.checkpoint?.ref);
      const after = result.trials.find((t) => t.number === crashed.number)!;
      assert.deepEqual(after.config, crashed.config);
      // Epochs re-reported after the checkpoint replace the old rows instead of duplicating them.
      const steps = after.epochs.map((e) => e.step);
      assert.deepEqual(steps, [...new Set(steps)].sort((a, b) => a - b));
    }
    // Trials created after the crash were sampled fresh, with the same seeded draws as an uncrashed run.
    assert.ok(calls.some((c) => !beforeResume.some((t) => t.number === c.trialNumber)));
    const sampler = randomSampler({ seed: 1 });
    for (const trial of result.trials) {
      assert.deepEqual(trial.config, sampler.sample({ space: CRASH_STUDY.space, trialNumber: trial.number, history: [] }));
    }
    t.diagnostic(`killed with ${finishedBefore.length} finished and ${runningAtCrash.length} running (checkpoints: ${runningAtCrash.map((trial) => trial.checkpoint?.resource ?? 'none').join(', ')})`);
    storage.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
