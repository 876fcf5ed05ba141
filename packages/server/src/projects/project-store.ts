import { randomUUID } from 'node:crypto';
import type { Modality, Task } from '@offgrid/features';
import type { Db } from '../storage/database.ts';
import { OffgridError } from '../errors.ts';
import { checkProjectFields, type ProjectSettings } from './project-fields.ts';
import { checkUnique, cleanLabels, parseLabel } from './labels.ts';

export type { ProjectSettings } from './project-fields.ts';

export interface Project {
  id: string;
  name: string;
  labels: string[];
  /** What one sample is (docs/modalities.md); fixed at creation. */
  modality: Modality;
  task: Task;
  /** Tabular projects: the numeric columns, in order. */
  featureNames?: string[];
  /** Overrides of the modality's preprocessing defaults. */
  settings: ProjectSettings;
  createdAt: string;
  sampleCounts: Record<string, number>;
  /** The model phones should use; absent until a training job succeeds. */
  activeModelId?: string;
  /** True when someone chose the active model: new training results then no longer replace it. */
  modelPinned: boolean;
  /** Privacy mode: samples never leave the phones; the server refuses them (docs/federated.md). */
  samplesStayOnDevice: boolean;
}

/** Everything but name and labels is optional at creation: an image classification project by default. */
export interface CreateFields {
  modality?: Modality;
  task?: Task;
  featureNames?: string[];
  settings?: ProjectSettings;
  samplesStayOnDevice?: boolean;
}

interface ProjectRow {
  id: string;
  name: string;
  labels: string;
  modality: string;
  task: string;
  feature_names: string | null;
  settings: string;
  created_at: string;
  active_model_id?: string | null;
  model_pinned?: number;
  samples_stay_on_device?: number;
}

export class ProjectStore {
  constructor(private readonly db: Db) {}

  /** Labels and feature names are stored normalized (parseLabel: NFC, trimmed), so two spellings of one are one. */
  create(name: string, labels: string[], fields: CreateFields = {}): Project {
    const cleaned = cleanLabels(labels);
    const { modality = 'image', task = 'classify', settings = {} } = fields;
    const featureNames = fields.featureNames?.map((feature, i) => parseLabel(feature, `featureNames[${i}]`, 'feature name'));
    if (fields.featureNames && featureNames) checkUnique('featureNames', fields.featureNames, featureNames, 'feature name');
    checkProjectFields({ modality, task, labels: cleaned, featureNames, settings });
    const row: ProjectRow = {
      id: randomUUID(), name: name.trim(), labels: JSON.stringify(cleaned), modality, task,
      feature_names: featureNames ? JSON.stringify(featureNames) : null, settings: JSON.stringify(settings), created_at: new Date().toISOString(),
      samples_stay_on_device: fields.samplesStayOnDevice ? 1 : 0,
    };
    this.db.prepare(`INSERT INTO projects (id, name, labels, modality, task, feature_names, settings, created_at, samples_stay_on_device)
      VALUES (@id, @name, @labels, @modality, @task, @feature_names, @settings, @created_at, @samples_stay_on_device)`).run(row);
    return this.toProject(row);
  }

  /**
   * Turns privacy mode on or off. On is refused while the server holds samples of the project: the promise is that it
   * holds none, so they must be purged first (POST …/samples/purge).
   */
  setSamplesStayOnDevice(id: string, on: boolean): Project {
    const project = this.get(id);
    const stored = this.db.prepare('SELECT COUNT(*) FROM samples WHERE project_id = ?').pluck().get(id) as number;
    if (on && stored > 0) {
      throw new OffgridError('CONFLICT', `The server still holds ${stored} samples of this project. Purge them (POST /api/v1/projects/${id}/samples/purge) before promising that samples stay on the phones.`);
    }
    this.db.prepare('UPDATE projects SET samples_stay_on_device = ? WHERE id = ?').run(on ? 1 : 0, project.id);
    return this.get(id);
  }

  list(): Project[] {
    const rows = this.db.prepare('SELECT * FROM projects ORDER BY created_at DESC').all() as ProjectRow[];
    return rows.map((row) => this.toProject(row));
  }

  get(id: string): Project {
    const row = this.db.prepare('SELECT * FROM projects WHERE id = ?').get(id) as ProjectRow | undefined;
    if (!row) throw new OffgridError('NOT_FOUND', `No project with id ${id}. List projects with GET /api/v1/projects.`);
    return this.toProject(row);
  }

  private toProject(row: ProjectRow): Project {
    const labels = JSON.parse(row.labels) as string[];
    const counts = this.db.prepare('SELECT label, COUNT(*) AS n FROM samples WHERE project_id = ? AND deleted_at IS NULL GROUP BY label').all(row.id) as { label: string; n: number }[];
    const sampleCounts = Object.fromEntries(labels.map((label) => [label, counts.find((c) => c.label === label)?.n ?? 0]));
    return {
      id: row.id, name: row.name, labels, modality: row.modality as Modality, task: row.task as Task,
      ...(row.feature_names ? { featureNames: JSON.parse(row.feature_names) as string[] } : {}),
      settings: JSON.parse(row.settings) as ProjectSettings, createdAt: row.created_at, sampleCounts,
      ...(row.active_model_id ? { activeModelId: row.active_model_id } : {}), modelPinned: row.model_pinned === 1,
      samplesStayOnDevice: row.samples_stay_on_device === 1,
    };
  }
}
