import { rm } from 'node:fs/promises';
import { NORMAL_LABEL } from '@offgrid/features';
import type { ServerContext } from '../context.ts';
import { echo, OffgridError } from '../errors.ts';
import { checkProjectFields, MAX_LABELS } from './project-fields.ts';
import { findLabel, parseLabel } from './labels.ts';
import type { Project } from './project-store.ts';
import { deleteUnneededFiles } from '../samples/sample-edits.ts';

/**
 * Changes to a project's labels and the project itself, each in one transaction. Samples move with their label;
 * stored snapshots and model versions keep the labels they were made with (they are history).
 */
export class ProjectEdits {
  constructor(private readonly context: Pick<ServerContext, 'db' | 'projects' | 'blobs' | 'models' | 'jobs' | 'thumbnails'>) {}

  addLabel(project: Project, label: string): Project {
    const added = parseLabel(label, 'The label');
    if (findLabel(project.labels, added) !== undefined) throw new OffgridError('CONFLICT', `The project already has the label ${echo(added)}.`);
    return this.setLabels(project, [...project.labels, added]);
  }

  /** Renames a label; its samples (deleted ones too, so an undo restores them under the new name) follow. */
  renameLabel(project: Project, from: string, to: string): Project {
    const old = this.existing(project, from);
    const renamed = parseLabel(to, 'The new label');
    if (project.task === 'anomaly' && old === NORMAL_LABEL) throw new OffgridError('VALIDATION', `An anomaly project learns from "${NORMAL_LABEL}": that label cannot be renamed.`);
    if (findLabel(project.labels, renamed) !== undefined) throw new OffgridError('CONFLICT', `The project already has the label ${echo(renamed)}; to merge two labels, remove one and move its samples to the other.`);
    return this.context.db.transaction(() => {
      this.context.db.prepare('UPDATE samples SET label = ? WHERE project_id = ? AND label = ?').run(renamed, project.id, old);
      return this.setLabels(project, project.labels.map((label) => (label === old ? renamed : label)));
    })();
  }

  /** Removes a label: its samples are deleted (restorable only by adding the label back) or moved to another label. */
  removeLabel(project: Project, label: string, samples: 'delete' | 'move', to?: string): Project {
    const removed = this.existing(project, label);
    if (project.task === 'anomaly' && removed === NORMAL_LABEL) throw new OffgridError('VALIDATION', `An anomaly project learns from "${NORMAL_LABEL}": that label cannot be removed.`);
    if ((samples === 'move') !== (to !== undefined)) throw new OffgridError('VALIDATION', 'Say where the samples go: samples "move" needs "to" (another label); samples "delete" takes no "to".');
    const target = to === undefined ? undefined : this.existing(project, to, 'The label to move samples to');
    if (target === removed) throw new OffgridError('VALIDATION', `The samples cannot move to ${echo(removed)}: that is the label being removed. Give another label as "to".`);
    return this.context.db.transaction(() => {
      if (target) this.context.db.prepare('UPDATE samples SET label = ? WHERE project_id = ? AND label = ?').run(target, project.id, removed);
      else this.context.db.prepare('UPDATE samples SET deleted_at = ? WHERE project_id = ? AND label = ? AND deleted_at IS NULL').run(new Date().toISOString(), project.id, removed);
      return this.setLabels(project, project.labels.filter((l) => l !== removed));
    })();
  }

  /**
   * Deletes a project with everything of it: its jobs are cancelled first (a running search stops), then its rows go
   * in one transaction; files no other project needs are deleted afterwards, with the jobs' work folders.
   */
  async deleteProject(project: Project): Promise<void> {
    const { db, jobs } = this.context;
    await jobs.stopProject(project.id);
    const ids = (sql: string) => (db.prepare(sql).pluck().all(project.id) as string[]);
    const sampleFiles = ids('SELECT sha256 FROM samples WHERE project_id = ?');
    const modelFiles = ids('SELECT sha256 FROM model_artifacts WHERE model_id IN (SELECT id FROM models WHERE project_id = ?)');
    const jobIds = ids('SELECT id FROM jobs WHERE project_id = ?');
    db.transaction(() => {
      for (const sql of [
        'UPDATE projects SET active_model_id = NULL WHERE id = ?',
        'DELETE FROM model_artifacts WHERE model_id IN (SELECT id FROM models WHERE project_id = ?)',
        'DELETE FROM models WHERE project_id = ?',
        'DELETE FROM jobs WHERE project_id = ?',
        'DELETE FROM dataset_snapshots WHERE project_id = ?',
        'DELETE FROM samples WHERE project_id = ?',
        'DELETE FROM api_key_projects WHERE project_id = ?',
        'DELETE FROM projects WHERE id = ?',
      ]) db.prepare(sql).run(project.id);
    })();
    await deleteUnneededFiles(this.context, [...sampleFiles, ...modelFiles]);
    for (const jobId of jobIds) await rm(jobs.workDirOf(jobId), { recursive: true, force: true });
  }

  private existing(project: Project, label: string, subject = 'The label'): string {
    const known = findLabel(project.labels, parseLabel(label, subject));
    if (known === undefined) throw new OffgridError('UNKNOWN_LABEL', `${subject} ${echo(label)} is not one of this project's labels (${project.labels.join(', ')}). Use one of them, or add it first (POST /api/v1/projects/${project.id}/labels).`);
    return known;
  }

  private setLabels(project: Project, labels: string[]): Project {
    if (labels.length > MAX_LABELS) throw new OffgridError('VALIDATION', `A project has at most ${MAX_LABELS} labels; remove one first.`);
    checkProjectFields({ modality: project.modality, task: project.task, labels, featureNames: project.featureNames, settings: project.settings });
    this.context.db.prepare('UPDATE projects SET labels = ? WHERE id = ?').run(JSON.stringify(labels), project.id);
    return this.context.projects.get(project.id);
  }
}
