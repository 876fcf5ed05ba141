import type { PipelineEvent, PipelinePhase } from './train-pipeline.ts';
import type { AcceleratorFallback } from '@offgrid/engine';
import type { TrialSummary } from './report.ts';

/** One row of the live leaderboard. `epochs`: epochs trained so far (the trial's resource). */
export interface LeaderboardRow {
  trialNumber: number;
  family: string;
  /** running | completed | pruned | infeasible | failed | interrupted */
  status: string;
  valAccuracy?: number;
  epochs: number;
  /** The machine training it now or last, where trials go through a queue (TrialProgress.machine). */
  machine?: string;
}

/** A whole search as one progress snapshot: what a server job streams and a terminal view draws. */
export interface SearchProgress {
  phase: 'preparing' | PipelinePhase | 'done';
  /** Elapsed share of the budget, 0..1, never decreasing (1 only when done). */
  fraction: number;
  elapsedSeconds: number;
  /** Time left in the budget (the pipeline never runs past it by more than one epoch). */
  etaSeconds: number;
  /** The trial whose progress came last (-1: the winner being retrained). */
  trialNumber?: number;
  family?: string;
  /** That trial's 1-based epoch and planned epochs (0 before any trial reports). */
  epoch: number;
  epochs: number;
  loss?: number;
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
  /** Trials that reached a final status, those from an interrupted earlier run included. */
  trialsFinished: number;
  /** Best first by validation accuracy; at most `topN` rows. */
  leaderboard: LeaderboardRow[];
  /** Set once WebGPU failed during the search: what failed, when, and during which training (it and all after it train on wasm). */
  acceleratorFallback?: AcceleratorFallback;
}

const FINAL_TRIAL_STATUSES = new Set(['completed', 'pruned', 'infeasible', 'failed']);
/** Below 1 until the pipeline returns: the last phases take time the budget share cannot show. */
const MAX_RUNNING_FRACTION = 0.99;

/** Folds PipelineEvents into a SearchProgress; the server and the CLI draw the same numbers. */
export class SearchProgressTracker {
  private readonly rows = new Map<number, LeaderboardRow>();
  private readonly startedAt: number;
  private current: SearchProgress;

  constructor(private readonly budgetSeconds: number, private readonly topN = 10, now = Date.now()) {
    this.startedAt = now;
    this.current = { phase: 'preparing', fraction: 0, elapsedSeconds: 0, etaSeconds: budgetSeconds, epoch: 0, epochs: 0, trialsFinished: 0, leaderboard: [] };
  }

  handle(event: PipelineEvent, now = Date.now()): SearchProgress {
    if (event.type === 'resumed') {
      for (const trial of event.trials) this.rows.set(trial.number, rowOf(trial));
    } else if (event.type === 'phase') {
      this.current = { ...this.current, phase: event.phase };
    } else if (event.type === 'acceleratorFallback') {
      this.current = { ...this.current, acceleratorFallback: event.fallback };
    } else if (event.type === 'trialProgress') {
      const { epoch, epochs, loss, accuracy, valLoss, valAccuracy, machine } = event.progress;
      this.current = { ...this.current, trialNumber: event.trialNumber, family: event.family, epoch, epochs, loss, accuracy, valLoss, valAccuracy };
      const row = this.rows.get(event.trialNumber);
      if (row && machine && row.machine !== machine) this.rows.set(event.trialNumber, { ...row, machine });
    } else {
      this.handleSearchEvent(event.event);
    }
    return this.snapshot(now);
  }

  /** The current state with the clock advanced (call it on a timer so fraction and ETA move between events). */
  snapshot(now = Date.now()): SearchProgress {
    const elapsedSeconds = Math.max(0, (now - this.startedAt) / 1000);
    const fraction = Math.max(this.current.fraction, Math.min(MAX_RUNNING_FRACTION, elapsedSeconds / Math.max(1e-3, this.budgetSeconds)));
    const rows = [...this.rows.values()];
    this.current = {
      ...this.current, elapsedSeconds, fraction, etaSeconds: Math.max(0, this.budgetSeconds - elapsedSeconds),
      trialsFinished: rows.filter((row) => FINAL_TRIAL_STATUSES.has(row.status)).length,
      leaderboard: rows.sort((a, b) => (b.valAccuracy ?? -1) - (a.valAccuracy ?? -1) || a.trialNumber - b.trialNumber).slice(0, this.topN),
    };
    return this.current;
  }

  /** The final state once the pipeline returned. */
  done(now = Date.now()): SearchProgress {
    this.current = { ...this.snapshot(now), phase: 'done', fraction: 1, etaSeconds: 0 };
    return this.current;
  }

  private handleSearchEvent(event: Extract<PipelineEvent, { type: 'search' }>['event']): void {
    if (event.type === 'trialStarted') {
      const previous = this.rows.get(event.trialNumber);
      this.rows.set(event.trialNumber, { trialNumber: event.trialNumber, family: String(event.config.family), status: 'running', epochs: previous?.epochs ?? 0, ...(previous?.valAccuracy !== undefined ? { valAccuracy: previous.valAccuracy } : {}) });
      return;
    }
    if (event.type === 'epochReported') {
      const row = this.rows.get(event.trialNumber);
      if (row) this.rows.set(event.trialNumber, { ...row, epochs: Math.max(row.epochs, event.step), valAccuracy: event.metrics.valAccuracy ?? row.valAccuracy });
      return;
    }
    if (event.type === 'trialFinished') {
      const row = this.rows.get(event.trialNumber);
      if (row) this.rows.set(event.trialNumber, { ...row, status: event.status, ...(event.value !== undefined ? { valAccuracy: event.value } : {}) });
    }
  }
}

function rowOf(trial: TrialSummary): LeaderboardRow {
  return {
    trialNumber: trial.number, family: trial.family, status: trial.status,
    epochs: trial.history.reduce((max, h) => Math.max(max, h.epoch), 0),
    ...(trial.valAccuracy !== undefined ? { valAccuracy: trial.valAccuracy } : {}),
  };
}
