import { randomUUID } from 'node:crypto';
import type { Db } from '../storage/database.ts';
import { BlobStore } from '../storage/blob-store.ts';
import { OffgridError } from '../errors.ts';
import type { Project } from '../projects/project-store.ts';
import { inspectImage } from './decode-image.ts';

export interface Sample {
  id: string;
  projectId: string;
  label: string;
  sha256: string;
  width: number;
  height: number;
  createdAt: string;
}

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
  width: number;
  height: number;
  idempotency_key: string | null;
  created_at: string;
}

export class SampleStore {
  constructor(private readonly db: Db, private readonly blobs: BlobStore) {}

  /**
   * Validates and stores one image. The blob is written (atomically) before the row, so a crash can leave
   * an orphan blob but never a row without its bytes. A retry with the same idempotency key or the same
   * bytes returns the sample stored the first time. With `expectedSha256` (the client's digest of what it
   * sent), bytes damaged on the way are refused before anything is stored.
   */
  async add(project: Project, label: string, bytes: Uint8Array, options: AddOptions = {}): Promise<{ sample: Sample; duplicate: boolean }> {
    if (!project.labels.includes(label)) {
      throw new OffgridError('UNKNOWN_LABEL', `Label "${label}" is not one of this project's labels (${project.labels.join(', ')}).`);
    }
    if (options.expectedSha256 !== undefined) {
      const expected = options.expectedSha256.trim().toLowerCase();
      const actual = BlobStore.sha256(bytes);
      if (expected !== actual) {
        throw new OffgridError('CHECKSUM_MISMATCH', `The upload arrived with sha256 ${actual}, but the client announced ${expected}; nothing was stored. Send the file again.`);
      }
    }
    const { idempotencyKey } = options;
    if (idempotencyKey) {
      const earlier = this.db.prepare('SELECT * FROM samples WHERE project_id = ? AND idempotency_key = ?').get(project.id, idempotencyKey) as SampleRow | undefined;
      if (earlier) return { sample: toSample(earlier), duplicate: true };
    }
    const image = await inspectImage(bytes);
    return this.blobs.putThen(bytes, (sha256) => {
      const existing = this.db.prepare('SELECT * FROM samples WHERE project_id = ? AND sha256 = ?').get(project.id, sha256) as SampleRow | undefined;
      if (existing) return { sample: toSample(existing), duplicate: true };
      const row: SampleRow = {
        id: randomUUID(), project_id: project.id, label, sha256, media_type: image.mediaType,
        width: image.width, height: image.height, idempotency_key: idempotencyKey ?? null, created_at: new Date().toISOString(),
      };
      this.db.prepare(`INSERT INTO samples (id, project_id, label, sha256, media_type, width, height, idempotency_key, created_at)
        VALUES (@id, @project_id, @label, @sha256, @media_type, @width, @height, @idempotency_key, @created_at)`).run(row);
      return { sample: toSample(row), duplicate: false };
    });
  }

  /** One page of a project's samples, oldest first; `after` is the last id of the previous page. */
  page(projectId: string, options: { label?: string; limit: number; after?: string }): { samples: Sample[]; nextAfter?: string } {
    const rows = this.db.prepare(`SELECT * FROM samples WHERE project_id = @projectId AND (@label IS NULL OR label = @label)
      AND (@after IS NULL OR (created_at, id) > (SELECT created_at, id FROM samples WHERE id = @after))
      ORDER BY created_at, id LIMIT @limit`).all({ projectId, label: options.label ?? null, after: options.after ?? null, limit: options.limit + 1 }) as SampleRow[];
    const samples = rows.slice(0, options.limit).map(toSample);
    return rows.length > options.limit ? { samples, nextAfter: samples.at(-1)!.id } : { samples };
  }

  listByIds(ids: string[]): Sample[] {
    const byId = new Map((this.db.prepare('SELECT * FROM samples WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids)) as SampleRow[]).map((row) => [row.id, toSample(row)]));
    return ids.map((id) => byId.get(id)!).filter(Boolean);
  }

  idsOf(projectId: string): string[] {
    return (this.db.prepare('SELECT id FROM samples WHERE project_id = ? ORDER BY created_at, id').all(projectId) as { id: string }[]).map((r) => r.id);
  }
}

function toSample(row: SampleRow): Sample {
  return { id: row.id, projectId: row.project_id, label: row.label, sha256: row.sha256, width: row.width, height: row.height, createdAt: row.created_at };
}
