/**
 * The search driver: samples trials, runs up to `concurrency` of them at once through the scheduler's
 * rungs, persists every step, and stops starting work at the deadline. Resuming a study (same name, same
 * storage) keeps its finished trials and continues the interrupted ones.
 */
import { fullResource, type Scheduler } from '../schedulers/scheduler.ts';
import { assertValidConfig } from '../space/validate.ts';
import type { SpaceShape } from '../space/params.ts';
import type { CheckpointRef, StudySpec, TrialRecord, TrialStatus } from '../storage/trial-storage.ts';
import { buildLeaderboard } from './leaderboard.ts';
import { callObjective, type RungOutcome } from './objective-call.ts';
import { observedTrials, toLoss } from './observations.ts';
import type { RunSearchOptions, SearchEvent, SearchResult, StopReason } from './search-types.ts';

export async function runSearch<S extends SpaceShape>(options: RunSearchOptions<S>): Promise<SearchResult> {
  // Inside the driver configs are plain JSON; only the objective's signature needs the precise type.
  const untyped = options as unknown as RunSearchOptions<SpaceShape>;
  checkOptions(untyped);
  const deadline = Date.now() + options.budgetSeconds * 1000;
  const search = new SearchRun(untyped, deadline);
  return search.run();
}

function checkOptions(options: RunSearchOptions<SpaceShape>): void {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`concurrency must be a positive integer, got ${concurrency}.`);
  if (!(options.budgetSeconds > 0)) throw new Error(`budgetSeconds must be positive, got ${options.budgetSeconds}.`);
  if (options.maxTrials !== undefined && !(Number.isInteger(options.maxTrials) && options.maxTrials >= 0)) {
    throw new Error(`maxTrials must be a non-negative integer, got ${options.maxTrials}.`);
  }
  if (!options.studyName) throw new Error('studyName is required: it is how a search is found again to resume it.');
}

class SearchRun {
  private readonly scheduler: Scheduler;
  private readonly concurrency: number;
  private readonly trials = new Map<number, TrialRecord>();
  private readonly resumeQueue: number[] = [];
  private readonly abort = new AbortController();
  /** Recent durations between epoch reports; their median is the margin below which no work starts. */
  private readonly epochDurations: number[] = [];
  private nextTrialNumber = 0;
  private fatalError: { error: unknown } | undefined;

  constructor(
    private readonly options: RunSearchOptions<SpaceShape>,
    private readonly deadline: number,
  ) {
    this.scheduler = options.scheduler ?? fullResource(1);
    this.concurrency = options.concurrency ?? 1;
  }

  async run(): Promise<SearchResult> {
    const { options } = this;
    await this.openStudy();
    this.emit({
      type: 'searchStarted',
      studyName: options.studyName,
      deadline: this.deadline,
      finishedTrials: [...this.trials.values()].filter((t) => t.status !== 'interrupted').length,
      resumingTrials: [...this.resumeQueue],
    });

    const stopOnAbort = () => this.abort.abort(options.signal?.reason ?? new Error('search aborted'));
    options.signal?.addEventListener('abort', stopOnAbort, { once: true });
    if (options.signal?.aborted) stopOnAbort();
    const timer = setTimeout(() => this.abort.abort(new Error('search deadline reached')), Math.max(0, this.deadline - Date.now()));
    try {
      await this.runTrialsUntilDone();
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', stopOnAbort);
    }
    if (this.fatalError) throw this.fatalError.error;

    const trials = await options.storage.listTrials(options.studyName);
    const leaderboard = buildLeaderboard(trials, options.metric, options.direction);
    const stopReason = this.stopReason();
    const best = leaderboard[0];
    this.emit({ type: 'searchFinished', reason: stopReason, ...(best ? { best } : {}) });
    return { studyName: options.studyName, stopReason, leaderboard, ...(best ? { best } : {}), trials };
  }

  private async openStudy(): Promise<void> {
    const { storage, studyName, metric, direction, space } = this.options;
    const spec: StudySpec = { name: studyName, metric, direction, space: space.json };
    const study = await storage.openStudy(spec);
    for (const field of ['metric', 'direction', 'space'] as const) {
      if (study[field] !== spec[field]) {
        throw new Error(`Study "${studyName}" was created with a different ${field}; resume it with the same settings or pick a new studyName.`);
      }
    }
    await storage.markRunningInterrupted(studyName);
    const stored = await storage.listTrials(studyName);
    for (const { epochs: _epochs, ...trial } of stored) {
      this.trials.set(trial.number, trial);
      this.nextTrialNumber = Math.max(this.nextTrialNumber, trial.number + 1);
      if (trial.status === 'interrupted') this.resumeQueue.push(trial.number);
    }
    this.replaySchedulerState(stored);
  }

  /** Feeds the stored rung results to the scheduler in the order they happened. */
  private replaySchedulerState(trials: readonly TrialRecord[]): void {
    const { metric, direction } = this.options;
    const results = trials
      .filter((t) => t.status !== 'infeasible' && t.status !== 'failed')
      .flatMap((t) => t.rungResults.map((result) => ({ trialNumber: t.number, result })))
      .sort((a, b) => a.result.finishedAt - b.result.finishedAt);
    for (const { trialNumber, result } of results) {
      const value = result.metrics[metric];
      if (value !== undefined && result.rung < this.scheduler.rungResources.length) {
        this.scheduler.recordRung(trialNumber, result.rung, toLoss(value, direction));
      }
    }
  }

  private async runTrialsUntilDone(): Promise<void> {
    const running = new Set<Promise<void>>();
    for (;;) {
      while (running.size < this.concurrency && this.canStartWork()) {
        let trial: ReturnType<typeof this.nextTrial>;
        try {
          trial = this.nextTrial();
        } catch (error) {
          // A sampler bug: stop starting work, but let running trials end cleanly before rethrowing.
          this.stopWithError(error);
          break;
        }
        if (!trial) break;
        const task: Promise<void> = this.runTrial(trial.record, trial.resumed)
          .catch((error: unknown) => this.stopWithError(error))
          .finally(() => running.delete(task));
        running.add(task);
      }
      if (running.size === 0) return;
      await Promise.race(running);
    }
  }

  /**
   * Work may start only while the search is live and at least one typical epoch fits before the
   * deadline: a trial started later would only overrun the budget or be interrupted with nothing to show.
   */
  private canStartWork(): boolean {
    if (this.abort.signal.aborted) return false;
    return Date.now() + this.medianEpochMs() < this.deadline;
  }

  private medianEpochMs(): number {
    if (this.epochDurations.length === 0) return 0;
    const sorted = [...this.epochDurations].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  }

  private nextTrial(): { record: TrialRecord; resumed: boolean } | undefined {
    const resumeNumber = this.resumeQueue.shift();
    if (resumeNumber !== undefined) return { record: this.trials.get(resumeNumber)!, resumed: true };
    const { maxTrials, sampler, space, metric, direction } = this.options;
    if (maxTrials !== undefined && this.trials.size >= maxTrials) return undefined;
    const number = this.nextTrialNumber++;
    const config = sampler.sample({ space, trialNumber: number, history: observedTrials(this.trials.values(), metric, direction) });
    assertValidConfig(space, config);
    const now = Date.now();
    const record: TrialRecord = { number, config, status: 'running', rungResults: [], startedAt: now, updatedAt: now };
    // Reserve the number now so concurrent samples and maxTrials see this trial.
    this.trials.set(number, record);
    return { record, resumed: false };
  }

  /** Runs one trial through as many rungs as the scheduler and the deadline allow. */
  private async runTrial(initial: TrialRecord, resumed: boolean): Promise<void> {
    const { rungResources } = this.scheduler;
    let trial = initial;
    let firstCall = true;
    for (;;) {
      const rung = trial.rungResults.length;
      if (rung >= rungResources.length) return this.finish(trial, 'completed');
      if (!firstCall && !this.canStartWork()) return this.finish(trial, 'interrupted');
      const resource = rungResources[rung];
      trial = await this.save({ ...trial, status: 'running' });
      if (firstCall) {
        this.emit({ type: 'trialStarted', trialNumber: trial.number, config: trial.config, rung, resource, resumed, ...(trial.checkpoint ? { checkpoint: trial.checkpoint } : {}) });
      }
      firstCall = false;
      const outcome = await this.callObjective(trial, rung, resource, (updated) => (trial = updated));
      const next = await this.applyOutcome(trial, rung, resource, outcome);
      if (!next) return;
      trial = next;
    }
  }

  private callObjective(trial: TrialRecord, rung: number, resource: number, onUpdate: (trial: TrialRecord) => void): Promise<RungOutcome> {
    const { options } = this;
    return callObjective({
      objective: options.objective,
      config: trial.config,
      trialNumber: trial.number,
      rung,
      resource,
      ...(trial.checkpoint ? { checkpoint: trial.checkpoint } : {}),
      deadline: this.deadline,
      searchSignal: this.abort.signal,
      metric: options.metric,
      ...(options.constraints ? { constraints: options.constraints } : {}),
      onReport: async (step, metrics) => {
        this.emit({ type: 'epochReported', trialNumber: trial.number, step, metrics });
        await options.storage.appendEpoch(options.studyName, trial.number, { step, metrics, at: Date.now() });
      },
      onCheckpoint: async (checkpoint: CheckpointRef) => {
        const current = this.trials.get(trial.number)!;
        onUpdate(await this.save({ ...current, checkpoint }));
      },
      onEpochDuration: (ms) => {
        this.epochDurations.push(ms);
        if (this.epochDurations.length > 50) this.epochDurations.shift();
      },
    });
  }

  /** Records a rung's outcome; returns the trial if it continues to the next rung, undefined if it is done. */
  private async applyOutcome(trial: TrialRecord, rung: number, resource: number, outcome: RungOutcome): Promise<TrialRecord | undefined> {
    const { metric, direction } = this.options;
    if (outcome.kind === 'interrupted') {
      await this.finish(trial, 'interrupted');
      return undefined;
    }
    if (outcome.kind === 'failed') {
      await this.finish(trial, 'failed', outcome.error);
      return undefined;
    }
    if (outcome.kind === 'infeasible') {
      // Keep the metrics (model size...) for display; the status keeps the trial off the leaderboard.
      const withMetrics = outcome.metrics ? this.withRungResult(trial, rung, resource, outcome.metrics) : trial;
      await this.finish(withMetrics, 'infeasible', outcome.reason);
      return undefined;
    }
    const updated = this.withRungResult(trial, rung, resource, outcome.metrics);
    const value = outcome.metrics[metric];
    const decision = this.scheduler.recordRung(trial.number, rung, toLoss(value, direction));
    if (decision === 'complete') {
      await this.finish(updated, 'completed');
      return undefined;
    }
    if (decision === 'prune') {
      this.emit({ type: 'pruned', trialNumber: trial.number, rung, value });
      await this.finish(updated, 'pruned');
      return undefined;
    }
    // Saved with status running and the new rung result: a crash now resumes it at the next rung.
    const promoted = await this.save(updated);
    this.emit({ type: 'promoted', trialNumber: trial.number, fromRung: rung, toRung: rung + 1, resource: this.scheduler.rungResources[rung + 1], value });
    return promoted;
  }

  private withRungResult(trial: TrialRecord, rung: number, resource: number, metrics: Readonly<Record<string, number>>): TrialRecord {
    return { ...trial, rungResults: [...trial.rungResults, { rung, resource, metrics, finishedAt: Date.now() }] };
  }

  private async finish(trial: TrialRecord, status: TrialStatus, error?: string): Promise<void> {
    const { error: _previous, ...rest } = trial;
    const saved = await this.save({ ...rest, status, ...(error !== undefined ? { error } : {}) });
    const value = saved.rungResults.at(-1)?.metrics[this.options.metric];
    this.emit({ type: 'trialFinished', trialNumber: saved.number, status, ...(value !== undefined ? { value } : {}), ...(error !== undefined ? { error } : {}) });
  }

  private async save(trial: TrialRecord): Promise<TrialRecord> {
    const saved = { ...trial, updatedAt: Date.now() };
    this.trials.set(saved.number, saved);
    await this.options.storage.saveTrial(this.options.studyName, saved);
    return saved;
  }

  private stopReason(): StopReason {
    if (this.options.signal?.aborted || this.fatalError) return 'aborted';
    const { maxTrials } = this.options;
    const workLeft = [...this.trials.values()].some((t) => t.status === 'interrupted' || t.status === 'running') || maxTrials === undefined || this.trials.size < maxTrials;
    return workLeft ? 'budget' : 'completed';
  }

  /** Progress listeners are part of the contract: one that throws stops the search rather than failing silently. */
  private emit(event: SearchEvent): void {
    if (!this.options.onEvent) return;
    try {
      this.options.onEvent(event);
    } catch (error) {
      this.stopWithError(error);
    }
  }

  /** Storage, sampler and listener errors end the search; running trials are interrupted, then it rethrows. */
  private stopWithError(error: unknown): void {
    this.fatalError ??= { error };
    this.abort.abort(error);
  }
}
