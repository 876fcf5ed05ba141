import type { TrainingFailureCode } from '@offgrid/engine/failure';
import type { SearchProgress } from '@offgrid/pipeline';
import { randomUUID } from 'node:crypto';
import { commitWithoutFsync, type Db } from '../storage/database.ts';
import { OffgridError } from '../errors.ts';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const FINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];
/** The statuses a job may move to each status from: forward only, except a running job queued again after a restart. */
const STATUS_FROM: Record<JobStatus, readonly JobStatus[]> = {
  queued: ['running'],
  running: ['queued', 'running'],
  succeeded: ['running'],
  failed: ['queued', 'running'],
  cancelled: ['queued', 'running'],
};

/** What a client asks for; the search picks model family, epochs and batch size itself. */
export interface TrainRequest {
  /** Wall-clock budget of the whole search (retraining, quantization and evaluation included). */
  budgetSeconds: number;
  /** Seeds the data split, the sampler and the trainers: the same seed on the same snapshot repeats the search. */
  seed: number;
  /** Rank trials by their float32 (default) or int8 validation accuracy. */
  objective?: 'float32' | 'int8';
  /** The phone's limits: the int8 file's size (KiB) and multiply-accumulates per inference. */
  maxInt8Kb?: number;
  maxMacs?: number;
  /** Image projects: the backbone whose transfer head competes (default the built-in one; `none`: no transfer learning). */
  backbone?: string;
}

/** The pipeline's progress snapshot is the job's progress, field for field. */
export type JobProgress = SearchProgress;

export interface Job {
  id: string;
  projectId: string;
  datasetId: string;
  request: TrainRequest;
  status: JobStatus;
  progress: JobProgress;
  createdAt: string;
  updatedAt: string;
  modelId?: string;
  /** A failed job's message (kept beside `failure` for clients from before it). */
  error?: string;
  /** A failed job's reason as a code (`TrainingFailureCode`) and the message. */
  failure?: { code: TrainingFailureCode; message: string };
}

interface JobRow {
  id: string;
  project_id: string;
  dataset_id: string;
  request: string;
  status: JobStatus;
  progress: string;
  model_id: string | null;
  error: string | null;
  error_code: TrainingFailureCode | null;
  created_at: string;
  updated_at: string;
}

/** Also fills what rows written before search jobs lack (trialsFinished, leaderboard). */
export const INITIAL_PROGRESS: JobProgress = { phase: 'preparing', fraction: 0, elapsedSeconds: 0, etaSeconds: 0, epoch: 0, epochs: 0, trialsFinished: 0, leaderboard: [] };

export class JobStore {
  constructor(private readonly db: Db) {}

  /** Freezes the project's current samples into an immutable snapshot and queues a job on it. */
  create(projectId: string, labels: string[], sampleIds: string[], request: TrainRequest, keyId?: string): Job {
    const now = new Date().toISOString();
    const datasetId = randomUUID();
    const id = randomUUID();
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO dataset_snapshots (id, project_id, labels, sample_ids, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(datasetId, projectId, JSON.stringify(labels), JSON.stringify(sampleIds), now);
      this.db.prepare(`INSERT INTO jobs (id, project_id, dataset_id, request, status, progress, key_id, created_at, updated_at)
        VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?)`).run(id, projectId, datasetId, JSON.stringify(request), JSON.stringify({ ...INITIAL_PROGRESS, etaSeconds: request.budgetSeconds }), keyId ?? null, now, now);
    })();
    return this.get(id);
  }

  get(id: string): Job {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    if (!row) throw new OffgridError('NOT_FOUND', `No training job with id ${id}. List a project's jobs with GET /api/v1/projects/<projectId>/jobs.`);
    return toJob(row);
  }

  /** A project's jobs, newest first; `active` keeps the queued and running ones (what a reopened app re-attaches to). */
  listForProject(projectId: string, { active = false, limit = 20 }: { active?: boolean; limit?: number } = {}): Job[] {
    const rows = this.db.prepare(`SELECT * FROM jobs WHERE project_id = ? ${active ? "AND status IN ('queued', 'running')" : ''}
      ORDER BY created_at DESC, id DESC LIMIT ?`).all(projectId, limit) as JobRow[];
    return rows.map(toJob);
  }

  /** Queued and running jobs, of one key or of the whole server (the caps on queued work). */
  countActive(keyId?: string): number {
    return this.db.prepare(`SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running') ${keyId === undefined ? '' : 'AND key_id = ?'}`)
      .pluck().get(...(keyId === undefined ? [] : [keyId])) as number;
  }

  snapshot(datasetId: string): { labels: string[]; sampleIds: string[] } {
    const row = this.db.prepare('SELECT labels, sample_ids FROM dataset_snapshots WHERE id = ?').get(datasetId) as { labels: string; sample_ids: string };
    return { labels: JSON.parse(row.labels), sampleIds: JSON.parse(row.sample_ids) };
  }

  nextQueued(): Job | undefined {
    const row = this.db.prepare("SELECT * FROM jobs WHERE status = 'queued' ORDER BY created_at, id LIMIT 1").get() as JobRow | undefined;
    return row && toJob(row);
  }

  /** A job that was running when the process died is queued again; its search resumes from its work folder. */
  requeueInterrupted(): number {
    return this.db.prepare("UPDATE jobs SET status = 'queued', updated_at = ? WHERE status = 'running'").run(new Date().toISOString()).changes;
  }

  /**
   * Applies a change only if the job's status may move to the new one (see STATUS_FROM), decided in the UPDATE's
   * WHERE: a late progress tick cannot turn a cancelled job back into a running one. Returns the job as stored.
   */
  update(id: string, changes: Partial<Pick<Job, 'status' | 'progress' | 'modelId' | 'failure'>>): Job {
    const job = this.get(id);
    const next = { ...job, ...changes, ...(changes.failure ? { error: changes.failure.message } : {}), updatedAt: new Date().toISOString() };
    const from = STATUS_FROM[next.status];
    const { changes: written } = this.db.prepare(`UPDATE jobs SET status = ?, progress = ?, model_id = ?, error = ?, error_code = ?, updated_at = ?
      WHERE id = ? AND status IN (${from.map(() => '?').join(', ')})`)
      .run(next.status, JSON.stringify(next.progress), next.modelId ?? null, next.failure?.message ?? null, next.failure?.code ?? null, next.updatedAt, id, ...from);
    return written === 1 ? next : this.get(id);
  }

  /**
   * A running job's progress tick (every 500 ms): committed without an fsync on the main thread, which stalled
   * uploads and reads for 8–33 ms each under load. Power loss may cost the last ticks; the job resumes anyway.
   */
  updateProgress(id: string, progress: JobProgress): Job {
    return commitWithoutFsync(this.db, () => this.update(id, { status: 'running', progress }));
  }
}

function toJob(row: JobRow): Job {
  return {
    id: row.id, projectId: row.project_id, datasetId: row.dataset_id, request: { seed: 0, ...JSON.parse(row.request) }, status: row.status,
    progress: { ...INITIAL_PROGRESS, ...JSON.parse(row.progress) }, createdAt: row.created_at, updatedAt: row.updated_at,
    ...(row.model_id ? { modelId: row.model_id } : {}),
    ...(row.error ? { error: row.error, failure: { code: row.error_code ?? 'FAILED', message: row.error } } : {}),
  };
}
