/**
 * The narrow persistence interface of a search. Embedded implementations: memory and SQLite; a shared
 * database (PostgreSQL) can implement the same five methods later. Everything is async for that reason.
 */
import type { Config } from '../space/define.ts';

export type Direction = 'minimize' | 'maximize';

/** Named numbers an objective reports: the optimized metric, and any constrained ones (size, MACs). */
export type Metrics = Readonly<Record<string, number>>;

/**
 * - running: an objective call is in progress (if the process dies, resume finds it still running).
 * - completed: finished the last rung.
 * - pruned: stopped by the scheduler after a rung.
 * - infeasible: violated a constraint; never wins.
 * - failed: the objective threw.
 * - interrupted: stopped by the deadline, an abort or a crash before its rung finished; resume continues it.
 */
export type TrialStatus = 'running' | 'completed' | 'pruned' | 'infeasible' | 'failed' | 'interrupted';

export const FINAL_TRIAL_STATUSES: readonly TrialStatus[] = ['completed', 'pruned', 'infeasible', 'failed'];

export interface StudySpec {
  readonly name: string;
  readonly metric: string;
  readonly direction: Direction;
  /** Canonical JSON of the search space. */
  readonly space: string;
}

export interface StudyRecord extends StudySpec {
  readonly createdAt: number;
}

export interface RungResult {
  readonly rung: number;
  readonly resource: number;
  readonly metrics: Metrics;
  readonly finishedAt: number;
}

export interface EpochReport {
  /** Position in resource units (epoch number, counted from the start of the trial). */
  readonly step: number;
  readonly metrics: Metrics;
  readonly at: number;
}

/** Where an objective saved its model state, and how much resource it had consumed then. */
export interface CheckpointRef {
  readonly ref: string;
  readonly resource: number;
}

export interface TrialRecord {
  readonly number: number;
  readonly config: Config;
  readonly status: TrialStatus;
  /** One entry per finished rung, in rung order. */
  readonly rungResults: readonly RungResult[];
  readonly checkpoint?: CheckpointRef;
  /** Why the trial failed or is infeasible. */
  readonly error?: string;
  readonly startedAt: number;
  readonly updatedAt: number;
}

export interface StoredTrial extends TrialRecord {
  readonly epochs: readonly EpochReport[];
}

export interface TrialStorage {
  /** Creates the study, or returns the existing one with that name (callers check it matches). */
  openStudy(spec: StudySpec): Promise<StudyRecord>;
  /** Inserts or replaces the trial with this number. */
  saveTrial(study: string, trial: TrialRecord): Promise<void>;
  /** Records an intermediate report; reporting the same step again replaces it (re-run after a crash). */
  appendEpoch(study: string, trialNumber: number, report: EpochReport): Promise<void>;
  /** All trials of the study, by number, with their epoch reports in step order. */
  listTrials(study: string): Promise<StoredTrial[]>;
  /** Marks trials left `running` by a dead process as `interrupted`; returns how many. */
  markRunningInterrupted(study: string): Promise<number>;
}
