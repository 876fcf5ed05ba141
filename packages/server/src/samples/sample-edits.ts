import type { ServerContext } from '../context.ts';
import type { Db } from '../storage/database.ts';
import { OffgridError } from '../errors.ts';
import type { Project } from '../projects/project-store.ts';
import { SampleStore } from './sample-store.ts';

/** What a phone's review does to selected samples: delete (undoable), restore (the undo), move to another label. */
export type SampleEdit = 'delete' | 'restore' | 'relabel';

/** Per id: changed now, already so (another phone got there first: the end state is the same), or not in the project. */
export interface EditResult {
  changed: string[];
  unchanged: string[];
  missing: string[];
}

export interface PurgeResult {
  purged: string[];
  missing: string[];
  /** Digests of the purged samples' bytes: the caller deletes those no other sample or model still needs. */
  sha256s: string[];
  /** Model versions trained on a snapshot that held a purged sample (now marked with purgedSamples). */
  modelsMarked: number;
}

/**
 * After samples or a project are gone: deletes the files (and thumbnails) no remaining sample or model file needs.
 * Returns how many were deleted.
 */
export async function deleteUnneededFiles({ blobs, models, thumbnails }: Pick<ServerContext, 'blobs' | 'models' | 'thumbnails'>, sha256s: Iterable<string>): Promise<number> {
  let deleted = 0;
  for (const sha256 of new Set(sha256s)) {
    if (!blobs.deleteIfUnreferenced(sha256, () => models.blobReferenced(sha256))) continue;
    deleted++;
    await thumbnails.remove(sha256);
  }
  return deleted;
}

/**
 * Edits of a project's samples, each one transaction whose WHERE says what state it moves from, so two phones
 * editing the same samples end in one consistent state whatever the order.
 */
export class SampleEdits {
  constructor(private readonly db: Db) {}

  edit(project: Project, ids: readonly string[], action: SampleEdit, label?: string): EditResult {
    const target = action === 'relabel' ? SampleStore.checkLabel(project, label ?? '', 'The new label') : undefined;
    if (action !== 'relabel' && label !== undefined) throw new OffgridError('VALIDATION', `A label goes with action "relabel" only, not "${action}".`);
    const now = new Date().toISOString();
    const statement = {
      delete: this.db.prepare('UPDATE samples SET deleted_at = @now WHERE id = @id AND project_id = @project AND deleted_at IS NULL'),
      restore: this.db.prepare('UPDATE samples SET deleted_at = NULL WHERE id = @id AND project_id = @project AND deleted_at IS NOT NULL'),
      relabel: this.db.prepare('UPDATE samples SET label = @label WHERE id = @id AND project_id = @project AND deleted_at IS NULL AND label != @label'),
    }[action];
    const exists = this.db.prepare('SELECT 1 FROM samples WHERE id = ? AND project_id = ?').pluck();
    return this.db.transaction(() => {
      const result: EditResult = { changed: [], unchanged: [], missing: [] };
      for (const id of new Set(ids)) {
        if (statement.run({ id, project: project.id, now, label: target ?? null }).changes === 1) result.changed.push(id);
        else result[exists.get(id, project.id) ? 'unchanged' : 'missing'].push(id);
      }
      return result;
    })();
  }

  /**
   * Erases samples everywhere: their rows, their ids in every stored snapshot of the project, and (by the caller,
   * after this commits) their bytes where nothing else needs them. Model versions trained on them stay, marked.
   */
  purge(project: Project, ids: readonly string[]): PurgeResult {
    return this.db.transaction(() => {
      const wanted = new Set(ids);
      const rows = this.db.prepare('SELECT id, sha256 FROM samples WHERE project_id = ? AND id IN (SELECT value FROM json_each(?))')
        .all(project.id, JSON.stringify([...wanted])) as { id: string; sha256: string }[];
      const gone = new Set(rows.map((row) => row.id));
      let modelsMarked = 0;
      const snapshots = this.db.prepare('SELECT id, sample_ids FROM dataset_snapshots WHERE project_id = ?').all(project.id) as { id: string; sample_ids: string }[];
      for (const snapshot of snapshots) {
        const sampleIds = JSON.parse(snapshot.sample_ids) as string[];
        const kept = sampleIds.filter((id) => !gone.has(id));
        if (kept.length === sampleIds.length) continue;
        this.db.prepare('UPDATE dataset_snapshots SET sample_ids = ? WHERE id = ?').run(JSON.stringify(kept), snapshot.id);
        modelsMarked += this.db.prepare('UPDATE models SET purged_samples = purged_samples + ? WHERE dataset_id = ?').run(sampleIds.length - kept.length, snapshot.id).changes;
      }
      this.db.prepare('DELETE FROM samples WHERE project_id = ? AND id IN (SELECT value FROM json_each(?))').run(project.id, JSON.stringify([...gone]));
      return { purged: [...gone], missing: [...wanted].filter((id) => !gone.has(id)), sha256s: [...new Set(rows.map((row) => row.sha256))], modelsMarked };
    })();
  }
}
