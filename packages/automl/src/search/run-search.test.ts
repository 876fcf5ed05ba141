import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomSampler } from '../samplers/random-sampler.ts';
import { tpeSampler } from '../samplers/tpe-sampler.ts';
import { asha } from '../schedulers/asha.ts';
import { fullResource } from '../schedulers/scheduler.ts';
import { defineSpace } from '../space/define.ts';
import { categoricalParam, conditionalParam, intParam } from '../space/params.ts';
import { MemoryTrialStorage } from '../storage/memory-storage.ts';
import type { Metrics } from '../storage/trial-storage.ts';
import { runSearch } from './run-search.ts';
import type { SearchEvent } from './search-types.ts';
import { toyObjective, toySpace, type ToyCall } from './test-toy-objective.ts';

const base = { space: toySpace, metric: 'loss', direction: 'minimize' } as const;

test('runs maxTrials trials in parallel and returns a leaderboard, best first', async () => {
  const events: SearchEvent[] = [];
  let running = 0;
  let maxRunning = 0;
  const objective = toyObjective({ epochMs: 5 });
  const result = await runSearch({
    ...base,
    studyName: 'plain',
    sampler: randomSampler({ seed: 1 }),
    scheduler: fullResource(2),
    objective: async (config, resource, ctx) => {
      maxRunning = Math.max(maxRunning, ++running);
      try {
        return await objective(config, resource, ctx);
      } finally {
        running--;
      }
    },
    budgetSeconds: 30,
    maxTrials: 6,
    concurrency: 3,
    storage: new MemoryTrialStorage(),
    onEvent: (event) => events.push(event),
  });
  assert.equal(result.stopReason, 'completed');
  assert.equal(maxRunning, 3);
  assert.deepEqual(
    result.trials.map((t) => [t.number, t.status, t.epochs.length]),
    [0, 1, 2, 3, 4, 5].map((n) => [n, 'completed', 2]),
  );
  const values = result.leaderboard.map((entry) => entry.value);
  assert.deepEqual(values, [...values].sort((a, b) => a - b));
  assert.equal(result.best?.trialNumber, result.leaderboard[0].trialNumber);
  const count = (type: SearchEvent['type']) => events.filter((e) => e.type === type).length;
  assert.deepEqual([count('searchStarted'), count('trialStarted'), count('epochReported'), count('trialFinished'), count('searchFinished')], [1, 6, 12, 6, 1]);
  assert.equal(events.at(-1)?.type, 'searchFinished');
});

test('ASHA prunes at rung boundaries and promoted trials continue from their checkpoint', async () => {
  const events: SearchEvent[] = [];
  const calls: ToyCall[] = [];
  const result = await runSearch({
    ...base,
    studyName: 'asha',
    sampler: randomSampler({ seed: 2 }),
    scheduler: asha({ minResource: 1, maxResource: 9, reductionFactor: 3 }),
    objective: toyObjective({ epochMs: 1, calls }),
    budgetSeconds: 30,
    maxTrials: 12,
    concurrency: 2,
    storage: new MemoryTrialStorage(),
    onEvent: (event) => events.push(event),
  });
  const pruned = result.trials.filter((t) => t.status === 'pruned');
  const completed = result.trials.filter((t) => t.status === 'completed');
  assert.ok(pruned.length >= 6, `pruned ${pruned.length}`);
  assert.ok(completed.length >= 1);
  assert.equal(pruned.length + completed.length, 12);
  for (const trial of pruned) {
    // A pruned trial trained exactly up to the rung where it was dropped.
    assert.equal(trial.epochs.at(-1)?.step, trial.rungResults.at(-1)?.resource);
  }
  for (const trial of completed) assert.deepEqual(trial.rungResults.map((r) => r.resource), [1, 3, 9]);
  // Promotions re-call the objective with the next rung's resource, starting from the checkpoint.
  for (const call of calls.filter((c) => c.resource > 1)) {
    assert.equal(call.fromEpoch, call.resource === 3 ? 1 : 3);
    assert.equal(call.checkpoint, `trial-${call.trialNumber}-epoch-${call.fromEpoch}`);
  }
  assert.equal(events.filter((e) => e.type === 'pruned').length, pruned.length);
  assert.equal(events.filter((e) => e.type === 'promoted').length, result.trials.reduce((n, t) => n + t.rungResults.length - 1, 0));
  // Results that reached more resource lead the leaderboard.
  assert.equal(result.leaderboard[0].resource, 9);
});

test('the wall-clock budget is never overrun by more than one epoch', async () => {
  const epochMs = 100;
  const budgetSeconds = 2;
  const startedAt = Date.now();
  let deadline = 0;
  const result = await runSearch({
    ...base,
    studyName: 'budget',
    sampler: tpeSampler({ seed: 3, startupTrials: 3 }),
    scheduler: asha({ minResource: 2, maxResource: 18 }),
    objective: toyObjective({ epochMs }),
    budgetSeconds,
    concurrency: 2,
    storage: new MemoryTrialStorage(),
    onEvent: (event) => {
      if (event.type === 'searchStarted') deadline = event.deadline;
    },
  });
  const elapsed = Date.now() - startedAt;
  assert.equal(result.stopReason, 'budget');
  // 50 ms covers timer jitter on a loaded machine; a second epoch would show as +200 ms.
  assert.ok(elapsed <= budgetSeconds * 1000 + epochMs + 50, `elapsed ${elapsed} ms`);
  assert.ok(elapsed >= budgetSeconds * 1000 - epochMs, `stopped early: ${elapsed} ms`);
  for (const trial of result.trials) {
    for (const epoch of trial.epochs) assert.ok(epoch.at <= deadline + epochMs + 50);
  }
  // Trials cut by the deadline are kept for a resume, not counted as finished.
  assert.ok(result.trials.some((t) => t.status === 'interrupted'));
  assert.ok(result.leaderboard.length > 0);
});

test('constraint violations make a trial infeasible: stopped at the first violating report, never on the leaderboard', async () => {
  const space = defineSpace({ width: intParam(1, 40) });
  const epochsSeen = new Map<number, number>();
  const result = await runSearch({
    studyName: 'constraints',
    space,
    metric: 'accuracy',
    direction: 'maximize',
    sampler: tpeSampler({ seed: 4, startupTrials: 5 }),
    scheduler: fullResource(3),
    objective: async (config, resource, ctx) => {
      // Wider models score better but are bigger.
      const metrics = { accuracy: config.width / 40, modelSizeKb: config.width * 10 };
      for (let epoch = 1; epoch <= resource && !ctx.shouldStop(); epoch++) {
        epochsSeen.set(ctx.trialNumber, epoch);
        await ctx.report(epoch, metrics);
      }
      return metrics;
    },
    constraints: { modelSizeKb: { max: 250 } },
    budgetSeconds: 30,
    maxTrials: 25,
    storage: new MemoryTrialStorage(),
  });
  const infeasible = result.trials.filter((t) => t.status === 'infeasible');
  assert.ok(infeasible.length > 0);
  for (const trial of infeasible) {
    assert.ok((trial.config.width as number) > 25);
    assert.match(trial.error ?? '', /modelSizeKb \d+ > max 250/);
    assert.equal(epochsSeen.get(trial.number), 1);
  }
  assert.ok(result.leaderboard.every((entry) => (entry.config.width as number) <= 25));
  assert.ok((result.best?.config.width as number) >= 22, `best width ${result.best?.config.width}`);
});

test('failing trials are recorded with their error and the search goes on', async () => {
  const space = defineSpace({ family: conditionalParam({ good: {}, broken: {}, silent: { mode: categoricalParam(['a']) } }) });
  const result = await runSearch({
    studyName: 'failures',
    space,
    metric: 'accuracy',
    direction: 'maximize',
    sampler: randomSampler({ seed: 5 }),
    objective: async (config): Promise<Metrics> => {
      if (config.family === 'broken') throw new Error('out of memory');
      if (config.family === 'silent') return { acc: 1 };
      return { accuracy: 0.5 };
    },
    budgetSeconds: 30,
    maxTrials: 15,
    storage: new MemoryTrialStorage(),
  });
  for (const trial of result.trials) {
    const expected = { good: ['completed', undefined], broken: ['failed', 'out of memory'], silent: ['failed', 'objective returned no numeric "accuracy" (got keys ["acc"]); did you forget to return the optimized metric?'] }[trial.config.family as string];
    assert.deepEqual([trial.status, trial.error], expected);
  }
  assert.ok(result.leaderboard.length > 0 && result.leaderboard.every((e) => e.config.family === 'good'));
});

test('an aborted search resumes: finished trials kept, interrupted ones continued from their checkpoint', async () => {
  const storage = new MemoryTrialStorage();
  const controller = new AbortController();
  const settings = { ...base, studyName: 'abort', scheduler: asha({ minResource: 1, maxResource: 9 }), maxTrials: 6, concurrency: 2, budgetSeconds: 30, storage };
  const firstEvents: SearchEvent[] = [];
  const first = await runSearch({
    ...settings,
    sampler: randomSampler({ seed: 6 }),
    objective: toyObjective({ epochMs: 20 }),
    signal: controller.signal,
    onEvent: (event) => {
      firstEvents.push(event);
      if (event.type === 'trialFinished' && firstEvents.filter((e) => e.type === 'trialFinished').length === 2) controller.abort();
    },
  });
  assert.equal(first.stopReason, 'aborted');
  const interrupted = first.trials.filter((t) => t.status === 'interrupted');
  assert.ok(interrupted.length >= 1);
  const finishedBefore = first.trials.filter((t) => t.status !== 'interrupted');

  const calls: ToyCall[] = [];
  const resumedEvents: SearchEvent[] = [];
  const second = await runSearch({
    ...settings,
    sampler: randomSampler({ seed: 6 }),
    objective: toyObjective({ epochMs: 1, calls }),
    onEvent: (event) => resumedEvents.push(event),
  });
  assert.equal(second.stopReason, 'completed');
  assert.deepEqual(second.trials.map((t) => t.number), [0, 1, 2, 3, 4, 5]);
  for (const before of finishedBefore) {
    const after = second.trials.find((t) => t.number === before.number);
    assert.deepEqual({ ...after, updatedAt: 0 }, { ...before, updatedAt: 0 });
  }
  const started = resumedEvents.find((e) => e.type === 'searchStarted');
  assert.deepEqual(started?.type === 'searchStarted' && started.resumingTrials, interrupted.map((t) => t.number));
  for (const trial of interrupted) {
    const call = calls.find((c) => c.trialNumber === trial.number);
    assert.equal(call?.fromEpoch, trial.checkpoint?.resource ?? 0);
    assert.equal(call?.checkpoint, trial.checkpoint?.ref);
  }
  assert.ok(second.trials.every((t) => t.status === 'completed' || t.status === 'pruned'));
});

test('resuming with a different metric, direction or space is refused', async () => {
  const storage = new MemoryTrialStorage();
  const run = (overrides: object) =>
    runSearch({ ...base, studyName: 's', sampler: randomSampler(), objective: async () => ({ loss: 1 }), budgetSeconds: 5, maxTrials: 1, storage, ...overrides });
  await run({});
  await assert.rejects(run({ direction: 'maximize' }), /different direction; resume it with the same settings or pick a new studyName/);
  await assert.rejects(run({ space: defineSpace({ x: intParam(0, 3) }) }), /different space/);
});

test('bad options and a throwing event listener are reported, not swallowed', async () => {
  const options = { ...base, studyName: 'o', sampler: randomSampler(), objective: async () => ({ loss: 1 }), budgetSeconds: 5, maxTrials: 3, storage: new MemoryTrialStorage() };
  await assert.rejects(runSearch({ ...options, concurrency: 0 }), /concurrency must be a positive integer/);
  await assert.rejects(runSearch({ ...options, budgetSeconds: 0 }), /budgetSeconds must be positive/);
  await assert.rejects(
    runSearch({
      ...options,
      onEvent: (event) => {
        if (event.type === 'trialStarted') throw new Error('ui bug');
      },
    }),
    /ui bug/,
  );
  await assert.rejects(
    runSearch({ ...options, sampler: { name: 'broken', sample: () => ({ x: 99, y: 0 }) } }),
    /Invalid config \{"x":99,"y":0\}: "x" must be within -3\.\.3, got 99/,
  );
});
