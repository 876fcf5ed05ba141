/**
 * Trials in SQLite (better-sqlite3). Every write is its own transaction in WAL mode, so a process killed
 * at any point (SIGKILL included) leaves the last completed write on disk. Tables are prefixed `automl_`
 * so the server can keep them in its own database file.
 */
import Database from 'better-sqlite3';
import type { CheckpointRef, EpochReport, RungResult, StoredTrial, StudyRecord, StudySpec, TrialRecord, TrialStatus, TrialStorage } from './trial-storage.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS automl_studies (
  name TEXT PRIMARY KEY,
  metric TEXT NOT NULL,
  direction TEXT NOT NULL,
  space TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS automl_trials (
  study TEXT NOT NULL REFERENCES automl_studies(name) ON DELETE CASCADE,
  number INTEGER NOT NULL,
  status TEXT NOT NULL,
  config TEXT NOT NULL,
  rung_results TEXT NOT NULL,
  checkpoint TEXT,
  error TEXT,
  started_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (study, number)
);
CREATE TABLE IF NOT EXISTS automl_epochs (
  study TEXT NOT NULL,
  trial_number INTEGER NOT NULL,
  step REAL NOT NULL,
  metrics TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (study, trial_number, step),
  FOREIGN KEY (study, trial_number) REFERENCES automl_trials(study, number) ON DELETE CASCADE
);
`;

interface StudyRow {
  name: string;
  metric: string;
  direction: 'minimize' | 'maximize';
  space: string;
  created_at: number;
}

interface TrialRow {
  number: number;
  status: TrialStatus;
  config: string;
  rung_results: string;
  checkpoint: string | null;
  error: string | null;
  started_at: number;
  updated_at: number;
}

interface EpochRow {
  trial_number: number;
  step: number;
  metrics: string;
  at: number;
}

export class SqliteTrialStorage implements TrialStorage {
  readonly db: Database.Database;
  private readonly ownsDatabase: boolean;
  private readonly statements;

  /** Opens (creating if needed) the file at `path`, or uses an already open database. */
  constructor(source: string | Database.Database) {
    this.ownsDatabase = typeof source === 'string';
    this.db = typeof source === 'string' ? new Database(source) : source;
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
    this.statements = {
      getStudy: this.db.prepare<[string], StudyRow>('SELECT * FROM automl_studies WHERE name = ?'),
      insertStudy: this.db.prepare('INSERT OR IGNORE INTO automl_studies (name, metric, direction, space, created_at) VALUES (?, ?, ?, ?, ?)'),
      upsertTrial: this.db.prepare(
        `INSERT INTO automl_trials (study, number, status, config, rung_results, checkpoint, error, started_at, updated_at)
         VALUES (@study, @number, @status, @config, @rung_results, @checkpoint, @error, @started_at, @updated_at)
         ON CONFLICT (study, number) DO UPDATE SET status = excluded.status, config = excluded.config,
           rung_results = excluded.rung_results, checkpoint = excluded.checkpoint, error = excluded.error,
           started_at = excluded.started_at, updated_at = excluded.updated_at`,
      ),
      upsertEpoch: this.db.prepare('INSERT OR REPLACE INTO automl_epochs (study, trial_number, step, metrics, at) VALUES (?, ?, ?, ?, ?)'),
      listTrials: this.db.prepare<[string], TrialRow>('SELECT * FROM automl_trials WHERE study = ? ORDER BY number'),
      listEpochs: this.db.prepare<[string], EpochRow>('SELECT trial_number, step, metrics, at FROM automl_epochs WHERE study = ? ORDER BY trial_number, step'),
      markInterrupted: this.db.prepare("UPDATE automl_trials SET status = 'interrupted', updated_at = ? WHERE study = ? AND status = 'running'"),
    };
  }

  async openStudy(spec: StudySpec): Promise<StudyRecord> {
    this.statements.insertStudy.run(spec.name, spec.metric, spec.direction, spec.space, Date.now());
    const row = this.statements.getStudy.get(spec.name);
    if (!row) throw new Error(`Study "${spec.name}" could not be created.`);
    return { name: row.name, metric: row.metric, direction: row.direction, space: row.space, createdAt: row.created_at };
  }

  async saveTrial(study: string, trial: TrialRecord): Promise<void> {
    this.statements.upsertTrial.run({
      study,
      number: trial.number,
      status: trial.status,
      config: JSON.stringify(trial.config),
      rung_results: JSON.stringify(trial.rungResults),
      checkpoint: trial.checkpoint ? JSON.stringify(trial.checkpoint) : null,
      error: trial.error ?? null,
      started_at: trial.startedAt,
      updated_at: trial.updatedAt,
    });
  }

  async appendEpoch(study: string, trialNumber: number, report: EpochReport): Promise<void> {
    this.statements.upsertEpoch.run(study, trialNumber, report.step, JSON.stringify(report.metrics), report.at);
  }

  async listTrials(study: string): Promise<StoredTrial[]> {
    const epochsByTrial = new Map<number, EpochReport[]>();
    for (const row of this.statements.listEpochs.all(study)) {
      const list = epochsByTrial.get(row.trial_number) ?? [];
      list.push({ step: row.step, metrics: JSON.parse(row.metrics), at: row.at });
      epochsByTrial.set(row.trial_number, list);
    }
    return this.statements.listTrials.all(study).map((row) => ({
      number: row.number,
      status: row.status,
      config: JSON.parse(row.config),
      rungResults: JSON.parse(row.rung_results) as RungResult[],
      ...(row.checkpoint ? { checkpoint: JSON.parse(row.checkpoint) as CheckpointRef } : {}),
      ...(row.error ? { error: row.error } : {}),
      startedAt: row.started_at,
      updatedAt: row.updated_at,
      epochs: epochsByTrial.get(row.number) ?? [],
    }));
  }

  async markRunningInterrupted(study: string): Promise<number> {
    return this.statements.markInterrupted.run(Date.now(), study).changes;
  }

  /** Closes the database if this storage opened it. */
  close(): void {
    if (this.ownsDatabase) this.db.close();
  }
}
