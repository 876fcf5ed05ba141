import type { PipelineEvent } from './train-pipeline.ts';
import type { TrialSummary } from './report.ts';
import type { WireType } from '@offgrid/features';

const optionalNumber = { type: 'number' } as const;

/** When, during what and why WebGPU failed in a search (engine AcceleratorFallback). */
export const acceleratorFallbackSchema = {
  type: 'object', required: ['at', 'during', 'error'],
  description: 'What failed (device lost, out of memory, a kernel error), when, and during which training ("trial 3"): that training was rerun on wasm (from its checkpoint of epoch resumedFromEpoch, when it had one), and everything after it trained on wasm.',
  properties: { at: { type: 'string' }, during: { type: 'string' }, error: { type: 'string' }, resumedFromEpoch: { type: 'integer' } },
} as const;

/** One row of the live leaderboard. `epochs`: epochs trained so far (the trial's resource). */
export const leaderboardRowSchema = {
  type: 'object',
  required: ['trialNumber', 'family', 'status', 'epochs'],
  properties: {
    trialNumber: { type: 'integer' }, family: { type: 'string' },
    status: { type: 'string', description: 'running | completed | pruned | infeasible | failed | interrupted' },
    valAccuracy: optionalNumber, epochs: { type: 'integer', description: 'Epochs trained so far.' },
    machine: { type: 'string', description: 'The machine training it now or last, when trials go through a queue (a worker\'s name; "coordinator" for the server\'s own cores).' },
  },
} as const;

/**
 * A whole search as one progress snapshot: what a server job streams (its `progress`) and a terminal view draws.
 * The JSON schema is the one spelling: the server validates and serializes with it, the SDK's JobProgress is
 * generated from it, and SearchProgress is derived from it.
 */
export const searchProgressSchema = {
  type: 'object',
  required: ['phase', 'fraction', 'elapsedSeconds', 'etaSeconds', 'epoch', 'epochs', 'trialsFinished', 'leaderboard'],
  properties: {
    phase: { type: 'string', enum: ['preparing', 'searching', 'retraining', 'quantizing', 'evaluating', 'done'] },
    fraction: { type: 'number', description: 'Elapsed share of the budget, 0..1, never decreasing within a run (1 when done).' },
    elapsedSeconds: { type: 'number' }, etaSeconds: { type: 'number', description: 'Budget left.' },
    trialNumber: { type: 'integer', description: 'The trial that reported last; -1 while the winner is retrained.' },
    family: { type: 'string' },
    epoch: { type: 'integer', description: "That trial's 1-based epoch (0 before any trial reported)." }, epochs: { type: 'integer' },
    loss: optionalNumber, accuracy: optionalNumber, valLoss: optionalNumber, valAccuracy: optionalNumber,
    trialsFinished: { type: 'integer' },
    leaderboard: { type: 'array', items: leaderboardRowSchema, description: 'Top 10 trials by validation accuracy.' },
    acceleratorFallback: { ...acceleratorFallbackSchema, description: `Set once WebGPU failed during the search. ${acceleratorFallbackSchema.description}` },
  },
} as const;

export type LeaderboardRow = WireType<typeof leaderboardRowSchema>;
export type SearchProgress = WireType<typeof searchProgressSchema>;

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
