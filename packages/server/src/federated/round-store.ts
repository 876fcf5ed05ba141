import { randomUUID } from 'node:crypto';
import type { Db } from '../storage/database.ts';
import { OffgridError } from '../errors.ts';
import type { Round } from './schemas.ts';

export type { Round } from './schemas.ts';

/** How a round runs; chosen when it is opened (routes.ts has the defaults, schemas.ts the bounds). */
export type RoundSettings = Round['settings'];
export type RoundStatus = Round['status'];
/** One phone's part in a round: joined, its update's sample count and norm (or why it was refused), its rating. */
export type Participant = Round['participants'][number];
/** What a phone reports after rating a head on samples it did not train on. */
export type PhoneEvaluation = NonNullable<Participant['evaluation']>;
/** Why the round ended as it did: the record the issue asks for (who joined, counts, norms, the decision). */
export type RoundOutcome = NonNullable<Round['outcome']>;

interface RoundRow {
  id: string; project_id: string; number: number; base_model_id: string; settings: string; status: RoundStatus;
  created_at: string; deadline: string; evaluation_deadline: string | null; candidate: string | null; outcome: string | null; closed_at: string | null;
}

interface ParticipantRow {
  key_id: string; device_name: string; joined_at: string; status: Participant['status']; submitted_at: string | null;
  sample_count: number | null; norm: number | null; reason: string | null; delta: Buffer | null; report: string | null; evaluation: string | null;
}

/** A submitted update as the aggregation reads it. */
export interface StoredUpdate {
  keyId: string;
  sampleCount: number;
  delta: Float32Array;
  logitRange?: { min: number; max: number };
}

/** Rounds and their participants in SQLite: a server restart finds open rounds as they were (durability). */
export class RoundStore {
  constructor(private readonly db: Db) {}

  open(projectId: string, baseModelId: string, settings: RoundSettings, deadline: Date): Round {
    const id = randomUUID();
    this.db.transaction(() => {
      const busy = this.db.prepare("SELECT number FROM federated_rounds WHERE project_id = ? AND status != 'closed'").get(projectId) as { number: number } | undefined;
      if (busy) throw new OffgridError('CONFLICT', `Round ${busy.number} of this project is still running. Wait for it to close, or close it (POST /api/v1/federated/rounds/<roundId>/close).`);
      const { next } = this.db.prepare('SELECT COALESCE(MAX(number), 0) + 1 AS next FROM federated_rounds WHERE project_id = ?').get(projectId) as { next: number };
      this.db.prepare(`INSERT INTO federated_rounds (id, project_id, number, base_model_id, settings, status, created_at, deadline)
        VALUES (?, ?, ?, ?, ?, 'open', ?, ?)`).run(id, projectId, next, baseModelId, JSON.stringify(settings), new Date().toISOString(), deadline.toISOString());
    })();
    return this.get(id);
  }

  get(id: string): Round {
    const row = this.db.prepare('SELECT * FROM federated_rounds WHERE id = ?').get(id) as RoundRow | undefined;
    if (!row) throw new OffgridError('NOT_FOUND', `No federated round with id ${id}. List a project's rounds with GET /api/v1/projects/<projectId>/federated/rounds.`);
    return this.toRound(row);
  }

  list(projectId: string): Round[] {
    return (this.db.prepare('SELECT * FROM federated_rounds WHERE project_id = ? ORDER BY number DESC').all(projectId) as RoundRow[]).map((row) => this.toRound(row));
  }

  /** Rounds not closed yet, for the deadline timers after a restart. */
  unfinished(): Round[] {
    return (this.db.prepare("SELECT * FROM federated_rounds WHERE status != 'closed'").all() as RoundRow[]).map((row) => this.toRound(row));
  }

  /** Noise multipliers of the project's closed rounds that added noise (the privacy accountant composes them). */
  noiseMultipliers(projectId: string): number[] {
    return (this.db.prepare("SELECT settings FROM federated_rounds WHERE project_id = ? AND status = 'closed' AND outcome IS NOT NULL").all(projectId) as { settings: string }[])
      .map((row) => (JSON.parse(row.settings) as RoundSettings).noiseMultiplier).filter((z) => z > 0);
  }

  join(roundId: string, keyId: string, deviceName: string): void {
    this.db.prepare(`INSERT INTO federated_participants (round_id, key_id, device_name, joined_at, status) VALUES (?, ?, ?, ?, 'joined')
      ON CONFLICT (round_id, key_id) DO NOTHING`).run(roundId, keyId, deviceName, new Date().toISOString());
  }

  participant(roundId: string, keyId: string): Participant | undefined {
    const row = this.db.prepare('SELECT * FROM federated_participants WHERE round_id = ? AND key_id = ?').get(roundId, keyId) as ParticipantRow | undefined;
    return row && toParticipant(row);
  }

  count(roundId: string, status?: Participant['status']): number {
    const sql = 'SELECT COUNT(*) FROM federated_participants WHERE round_id = ?' + (status ? ' AND status = ?' : '');
    return this.db.prepare(sql).pluck().get(...(status ? [roundId, status] : [roundId])) as number;
  }

  submit(roundId: string, keyId: string, update: { sampleCount: number; norm: number; delta: Float32Array; logitRange?: { min: number; max: number } }): void {
    this.db.prepare(`UPDATE federated_participants SET status = 'submitted', submitted_at = ?, sample_count = ?, norm = ?, delta = ?, report = ?
      WHERE round_id = ? AND key_id = ?`).run(new Date().toISOString(), update.sampleCount, update.norm,
      Buffer.from(update.delta.buffer, update.delta.byteOffset, update.delta.byteLength), JSON.stringify({ logitRange: update.logitRange }), roundId, keyId);
  }

  reject(roundId: string, keyId: string, reason: string, fields: { sampleCount?: number; norm?: number } = {}): void {
    this.db.prepare(`UPDATE federated_participants SET status = 'rejected', submitted_at = ?, reason = ?, sample_count = ?, norm = ?
      WHERE round_id = ? AND key_id = ?`).run(new Date().toISOString(), reason, fields.sampleCount ?? null, fields.norm ?? null, roundId, keyId);
  }

  updates(roundId: string): StoredUpdate[] {
    const rows = this.db.prepare("SELECT * FROM federated_participants WHERE round_id = ? AND status = 'submitted' ORDER BY joined_at").all(roundId) as ParticipantRow[];
    return rows.map((row) => {
      const bytes = row.delta!;
      const delta = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      const report = row.report ? JSON.parse(row.report) as { logitRange?: { min: number; max: number } } : {};
      return { keyId: row.key_id, sampleCount: row.sample_count!, delta, ...(report.logitRange ? { logitRange: report.logitRange } : {}) };
    });
  }

  /** Moves an open round to its evaluation: the averaged head waits for phones' ratings until `deadline`. */
  startEvaluation(roundId: string, candidate: object, deadline: Date): void {
    this.db.prepare("UPDATE federated_rounds SET status = 'evaluating', candidate = ?, evaluation_deadline = ? WHERE id = ? AND status = 'open'")
      .run(JSON.stringify(candidate), deadline.toISOString(), roundId);
  }

  candidate(roundId: string): unknown {
    const text = this.db.prepare('SELECT candidate FROM federated_rounds WHERE id = ?').pluck().get(roundId) as string | null;
    return text === null ? undefined : JSON.parse(text);
  }

  evaluate(roundId: string, keyId: string, evaluation: PhoneEvaluation & { logitRange?: { min: number; max: number } }): void {
    this.db.prepare('UPDATE federated_participants SET evaluation = ? WHERE round_id = ? AND key_id = ?').run(JSON.stringify(evaluation), roundId, keyId);
  }

  /** Phones' ratings of the candidate, with the logit ranges they saw. */
  evaluations(roundId: string): (PhoneEvaluation & { logitRange?: { min: number; max: number } })[] {
    return (this.db.prepare("SELECT evaluation FROM federated_participants WHERE round_id = ? AND evaluation IS NOT NULL").pluck().all(roundId) as string[]).map((text) => JSON.parse(text));
  }

  /** Closes the round with its outcome; the updates' bytes are dropped (their norms and counts stay on record). */
  close(roundId: string, outcome: RoundOutcome): void {
    this.db.transaction(() => {
      this.db.prepare("UPDATE federated_rounds SET status = 'closed', outcome = ?, closed_at = ?, result_model_id = ?, candidate = NULL WHERE id = ?")
        .run(JSON.stringify(outcome), new Date().toISOString(), outcome.modelId ?? null, roundId);
      this.db.prepare('UPDATE federated_participants SET delta = NULL WHERE round_id = ?').run(roundId);
    })();
  }

  private toRound(row: RoundRow): Round {
    const participants = (this.db.prepare('SELECT * FROM federated_participants WHERE round_id = ? ORDER BY joined_at').all(row.id) as ParticipantRow[]).map(toParticipant);
    return {
      id: row.id, projectId: row.project_id, number: row.number, baseModelId: row.base_model_id, status: row.status,
      settings: JSON.parse(row.settings) as RoundSettings, createdAt: row.created_at, deadline: row.deadline,
      ...(row.evaluation_deadline ? { evaluationDeadline: row.evaluation_deadline } : {}),
      ...(row.closed_at ? { closedAt: row.closed_at } : {}),
      participants,
      ...(row.outcome ? { outcome: JSON.parse(row.outcome) as RoundOutcome } : {}),
    };
  }
}

function toParticipant(row: ParticipantRow): Participant {
  const evaluation = row.evaluation ? JSON.parse(row.evaluation) as PhoneEvaluation : undefined;
  return {
    deviceName: row.device_name, joinedAt: row.joined_at, status: row.status,
    ...(row.submitted_at ? { submittedAt: row.submitted_at } : {}),
    ...(row.sample_count !== null ? { sampleCount: row.sample_count } : {}),
    ...(row.norm !== null ? { norm: row.norm } : {}),
    ...(row.reason ? { reason: row.reason } : {}),
    ...(evaluation ? { evaluation: { samples: evaluation.samples, correct: evaluation.correct, baseCorrect: evaluation.baseCorrect } } : {}),
  };
}
