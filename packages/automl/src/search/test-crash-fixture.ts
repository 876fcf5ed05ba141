/**
 * Child process for the crash-and-resume test: runs a search on the SQLite file given as argv[2] and
 * prints one line per finished trial, so the parent knows when to SIGKILL it.
 */
import { randomSampler } from '../samplers/random-sampler.ts';
import { asha } from '../schedulers/asha.ts';
import { SqliteTrialStorage } from '../storage/sqlite-storage.ts';
import { runSearch } from './run-search.ts';
import { toyObjective, toySpace } from './test-toy-objective.ts';

export const CRASH_STUDY = {
  studyName: 'crash-test',
  space: toySpace,
  metric: 'loss',
  direction: 'minimize',
  maxTrials: 8,
  concurrency: 2,
} as const;

export const crashScheduler = () => asha({ minResource: 1, maxResource: 9, reductionFactor: 3 });

if (process.argv[1] === import.meta.filename) {
  const storage = new SqliteTrialStorage(process.argv[2]);
  await runSearch({
    ...CRASH_STUDY,
    sampler: randomSampler({ seed: 1 }),
    scheduler: crashScheduler(),
    objective: toyObjective({ epochMs: 60 }),
    budgetSeconds: 60,
    storage,
    onEvent: (event) => {
      if (event.type === 'trialFinished') console.log(`finished ${event.trialNumber} ${event.status}`);
    },
  });
  console.log('search done');
}
