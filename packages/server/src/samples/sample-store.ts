import { randomUUID } from 'node:crypto';
import { commitWithoutFsync, fsyncWal, type Db } from '../storage/database.ts';
import { BlobStore } from '../storage/blob-store.ts';
import { echo, OffgridError, shorten } from '../errors.ts';
import { findLabel, normalizeLabel, parseLabel } from '../projects/labels.ts';
import type { Project } from '../projects/project-store.ts';
import type { WireType } from '@offgrid/features';
import type { SampleMeta, sampleSchema } from '../schemas.ts';
import { inspectSample, type InspectedSample } from './inspect-sample.ts';

/** A stored sample as the API returns it (the schema is the one spelling). */
export type Sample = WireType<typeof sampleSchema>;

export interface AddOptions {
  /** A retry with the same key returns the sample stored the first time. */
  idempotencyKey?: string;
  /** Hex sha256 the client computed; a mismatch refuses the upload. */
  expectedSha256?: string;
}

interface SampleRow {
  id: string;
  project_id: string;
  label: string;
  sha256: string;
  media_type: string;
  width: number | null;
  height: number | null;
  meta: string;
  idempotency_key: string | null;
  created_at: string;
  deleted_at: string | null;
}

export class SampleStore {
  constructor(private readonly db: Db, private readonly blobs: BlobStore) {}

  /**
   * Validates and stores one sample of the project's modality. The blob is written (atomically) before the
   * row, so a crash can leave an orphan blob but never a row without its bytes. A retry with the same
   * idempotency key or the same content returns the sample stored the first time. With `expectedSha256`
   * (the client's digest of what it sent), bytes damaged on the way are refused before anything is stored.
   */
  async add(project: Project, label: string, bytes: Uint8Array, options: AddOptions = {}): Promise<{ sample: Sample; duplicate: boolean }> {
    const known = this.checkUpload(project, label, bytes, options);
    const earlier = this.byIdempotencyKey(project, options.idempotencyKey);
    if (earlier) {
      // Its first upload may still be waiting for its fsync: this answer, too, only once the row is on disk.
      await this.whenDurable();
      return earlier;
    }
    return this.store(project, known, await inspectSample(project, bytes), options.idempotencyKey);
  }

  /** Label and checksum checks shared by every upload path; throw before anything is decoded or stored. Returns the project's label. */
  checkUpload(project: Project, label: string, bytes: Uint8Array, options: AddOptions = {}): string {
    const known = SampleStore.checkLabel(project, label);
    if (options.expectedSha256 !== undefined) SampleStore.checkSha256(bytes, options.expectedSha256);
    return known;
  }

  /**
   * A label as sent (any Unicode normalization) → the project's own spelling of it, the one samples are stored
   * under. A label that is not one line of text gets 400 VALIDATION (parseLabel), one the project lacks UNKNOWN_LABEL.
   */
  static checkLabel(project: Project, label: string, subject = 'The label'): string {
    const known = findLabel(project.labels, parseLabel(label, subject));
    if (known === undefined) {
      throw new OffgridError('UNKNOWN_LABEL', `Label ${echo(normalizeLabel(label))} is not one of this project's labels (${project.labels.join(', ')}). Use one of them, or add it first (POST /api/v1/projects/${project.id}/labels).`);
    }
    return known;
  }

  /** Refuses bytes damaged on the way: `expected` is the client's hex sha256 of what it sent. */
  static checkSha256(bytes: Uint8Array, expected: string): void {
    const announced = expected.trim().toLowerCase();
    const actual = BlobStore.sha256(bytes);
    if (announced !== actual) {
      throw new OffgridError('CHECKSUM_MISMATCH', `The upload arrived with sha256 ${actual}, but the client announced ${shorten(announced)}; nothing was stored. Send the file again.`);
    }
  }

  /** The sample an earlier upload with this idempotency key stored, as a duplicate. */
  byIdempotencyKey(project: Project, idempotencyKey: string | undefined): { sample: Sample; duplicate: true } | undefined {
    if (!idempotencyKey) return undefined;
    const earlier = this.db.prepare('SELECT * FROM samples WHERE project_id = ? AND idempotency_key = ?').get(project.id, idempotencyKey) as SampleRow | undefined;
    return earlier ? { sample: toSample(earlier), duplicate: true } : undefined;
  }

  /**
   * Stores an already validated sample (blob first, then its row), or returns the stored one with the same content.
   * Resolves only once the row is on disk: the commit skips SQLite's fsync on the main thread and the WAL is fsynced
   * on the thread pool instead (storage/database.ts), so an acknowledged sample survives power loss as before.
   */
  async store(project: Project, label: string, inspected: InspectedSample, idempotencyKey?: string): Promise<{ sample: Sample; duplicate: boolean }> {
    this.refuseIfPrivate(project.id);
    const stored = await this.blobs.putThen(inspected.bytes, (sha256) => commitWithoutFsync(this.db, () => {
      // Again in the commit: privacy mode may have been turned on while the blob was written (which then stays an orphan).
      this.refuseIfPrivate(project.id);
      const existing = this.db.prepare('SELECT * FROM samples WHERE project_id = ? AND sha256 = ?').get(project.id, sha256) as SampleRow | undefined;
      if (existing?.deleted_at) {
        // The same content uploaded after its sample was deleted: the sample comes back, under the label sent now.
        this.db.prepare('UPDATE samples SET deleted_at = NULL, label = ? WHERE id = ?').run(label, existing.id);
        return { sample: toSample({ ...existing, deleted_at: null, label }), duplicate: false };
      }
      if (existing) return { sample: toSample(existing), duplicate: true };
      const { meta } = inspected;
      const row: SampleRow = {
        id: randomUUID(), project_id: project.id, label, sha256, media_type: inspected.mediaType,
        width: meta.width ?? null, height: meta.height ?? null, meta: JSON.stringify(meta),
        idempotency_key: idempotencyKey ?? null, created_at: new Date().toISOString(), deleted_at: null,
      };
      this.db.prepare(`INSERT INTO samples (id, project_id, label, sha256, media_type, width, height, meta, idempotency_key, created_at)
        VALUES (@id, @project_id, @label, @sha256, @media_type, @width, @height, @meta, @idempotency_key, @created_at)`).run(row);
      return { sample: toSample(row), duplicate: false };
    }));
    // A duplicate's row may come from a concurrent upload whose fsync is still running: wait for the disk either way.
    await this.whenDurable();
    return stored;
  }

  /** Every path that stores a sample ends here: a project in privacy mode gets none (docs/federated.md). */
  refuseIfPrivate(projectId: string): void {
    if (this.db.prepare('SELECT samples_stay_on_device FROM projects WHERE id = ?').pluck().get(projectId) === 1) throw privacyRefusal();
  }

  /** Resolves once every sample committed so far is on disk (call before acknowledging one found by `byIdempotencyKey`). */
  whenDurable(): Promise<void> {
    return fsyncWal(this.db);
  }

  /** One page of a project's samples (deleted ones left out), oldest first; `after` is the last id of the previous page. */
  page(projectId: string, options: { label?: string; limit: number; after?: string }): { samples: Sample[]; nextAfter?: string } {
    const rows = this.db.prepare(`SELECT * FROM samples WHERE project_id = @projectId AND deleted_at IS NULL AND (@label IS NULL OR label = @label)
      AND (@after IS NULL OR (created_at, id) > (SELECT created_at, id FROM samples WHERE id = @after))
      ORDER BY created_at, id LIMIT @limit`).all({ projectId, label: options.label ?? null, after: options.after ?? null, limit: options.limit + 1 }) as SampleRow[];
    const samples = rows.slice(0, options.limit).map(toSample);
    return rows.length > options.limit ? { samples, nextAfter: samples.at(-1)!.id } : { samples };
  }

  listByIds(ids: string[]): Sample[] {
    const byId = new Map((this.db.prepare('SELECT * FROM samples WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids)) as SampleRow[]).map((row) => [row.id, toSample(row)]));
    return ids.map((id) => byId.get(id)!).filter(Boolean);
  }

  /** The samples a new snapshot takes: every one not deleted. */
  idsOf(projectId: string): string[] {
    return (this.db.prepare('SELECT id FROM samples WHERE project_id = ? AND deleted_at IS NULL ORDER BY created_at, id').all(projectId) as { id: string }[]).map((r) => r.id);
  }
}

function toSample(row: SampleRow): Sample {
  return {
    id: row.id, projectId: row.project_id, label: row.label, sha256: row.sha256, mediaType: row.media_type,
    ...(row.width !== null ? { width: row.width } : {}), ...(row.height !== null ? { height: row.height } : {}),
    meta: JSON.parse(row.meta) as SampleMeta, createdAt: row.created_at, ...(row.deleted_at ? { deletedAt: row.deleted_at } : {}),
  };
}

/** The refusal a project in privacy mode gives any sample, before its bytes are read where possible. */
export function privacyRefusal(): OffgridError {
  return new OffgridError('FORBIDDEN', 'This project keeps its samples on the phones (privacy mode): the server stores none. Train on the phones in a federated round instead (docs/federated.md), or ask an admin to turn privacy mode off.');
}
