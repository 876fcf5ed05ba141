/** The options, callbacks, events and result of `runSearch`. */
import type { Sampler } from '../samplers/sampler.ts';
import type { Scheduler } from '../schedulers/scheduler.ts';
import type { ConfigOfShape } from '../space/config-type.ts';
import type { Config, SearchSpace } from '../space/define.ts';
import type { SpaceShape } from '../space/params.ts';
import type { CheckpointRef, Direction, Metrics, StoredTrial, TrialStatus, TrialStorage } from '../storage/trial-storage.ts';

/** What an objective call gets besides its config and resource. */
export interface TrialContext {
  readonly trialNumber: number;
  /** Rung this call trains for (0 for the first). */
  readonly rung: number;
  /**
   * The trial's last checkpoint, when it has one: continue from `checkpoint.resource` instead of
   * starting over (after a promotion, or when a crashed/interrupted trial is resumed). It may already be
   * at `resource` when a crash came between the last epoch and the rung's result: then just evaluate.
   */
  readonly checkpoint?: CheckpointRef;
  /** Wall-clock deadline of the search (ms since epoch). */
  readonly deadline: number;
  /** Aborted at the deadline, when the search is aborted, or when a report violated a constraint. */
  readonly signal: AbortSignal;
  /** True once `signal` is aborted: check it between epochs and return what you have. */
  shouldStop(): boolean;
  /** Reports metrics after an epoch; `step` is in resource units counted from the start of the trial. */
  report(step: number, metrics: Metrics): Promise<void>;
  /** Records where the objective saved its state (it writes the file itself; only the reference is stored). */
  saveCheckpoint(ref: string, resource: number): Promise<void>;
}

/**
 * Trains `config` up to `resource` (epochs, data fraction...) and returns the metrics measured there.
 * Must honour `ctx.signal`: stop after the current epoch once it is aborted.
 */
export type Objective<C> = (config: C, resource: number, ctx: TrialContext) => Promise<Metrics>;

/** Bounds on a metric the objective reports (e.g. `{ modelSizeKb: { max: 256 } }`). */
export interface Constraint {
  readonly min?: number;
  readonly max?: number;
}

export type Constraints = Readonly<Record<string, Constraint>>;

export interface RunSearchOptions<S extends SpaceShape> {
  /** Identifies the study in storage; running again with the same name resumes it. */
  studyName: string;
  space: SearchSpace<S>;
  sampler: Sampler;
  /** Default: `fullResource(1)`, i.e. one objective call per trial with resource 1. */
  scheduler?: Scheduler;
  objective: Objective<ConfigOfShape<S>>;
  /** Key of the optimized metric in the objective's metrics. */
  metric: string;
  direction: Direction;
  /** Wall-clock budget of this call (a resumed search gets a fresh budget). */
  budgetSeconds: number;
  /** Total trials in the study, counting those from earlier runs. Default: unlimited (budget decides). */
  maxTrials?: number;
  /** Trials running at once. Default 1. */
  concurrency?: number;
  constraints?: Constraints;
  storage: TrialStorage;
  signal?: AbortSignal;
  onEvent?: (event: SearchEvent) => void;
}

export interface LeaderboardEntry {
  readonly trialNumber: number;
  readonly config: Config;
  readonly status: TrialStatus;
  /** The optimized metric at `resource`. */
  readonly value: number;
  /** Resource of the trial's last finished rung. */
  readonly resource: number;
  readonly metrics: Metrics;
}

/** completed: no trials left to run (maxTrials reached, all finished); budget: the deadline stopped it. */
export type StopReason = 'completed' | 'budget' | 'aborted';

export type SearchEvent =
  | { readonly type: 'searchStarted'; readonly studyName: string; readonly deadline: number; readonly finishedTrials: number; readonly resumingTrials: readonly number[] }
  | {
      readonly type: 'trialStarted';
      readonly trialNumber: number;
      readonly config: Config;
      readonly rung: number;
      readonly resource: number;
      readonly resumed: boolean;
      readonly checkpoint?: CheckpointRef;
    }
  | { readonly type: 'epochReported'; readonly trialNumber: number; readonly step: number; readonly metrics: Metrics }
  | { readonly type: 'promoted'; readonly trialNumber: number; readonly fromRung: number; readonly toRung: number; readonly resource: number; readonly value: number }
  | { readonly type: 'pruned'; readonly trialNumber: number; readonly rung: number; readonly value: number }
  | { readonly type: 'trialFinished'; readonly trialNumber: number; readonly status: TrialStatus; readonly value?: number; readonly error?: string }
  | { readonly type: 'searchFinished'; readonly reason: StopReason; readonly best?: LeaderboardEntry };

export interface SearchResult {
  readonly studyName: string;
  readonly stopReason: StopReason;
  /** Feasible trials with at least one finished rung, best first. */
  readonly leaderboard: readonly LeaderboardEntry[];
  readonly best?: LeaderboardEntry;
  readonly trials: readonly StoredTrial[];
}
