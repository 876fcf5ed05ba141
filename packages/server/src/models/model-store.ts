import { randomUUID } from 'node:crypto';
import type { Task, WireType } from '@offgrid/features';
import type { modelSchema } from '../schemas.ts';
import type { Db } from '../storage/database.ts';
import { OffgridError } from '../errors.ts';

/** A model version as the API returns it; the schema is the one spelling of its shape (and of the SDK's). */
export type ModelVersion = WireType<typeof modelSchema>;
/** What one example fed to the model is, and how the phone makes it from a sample. */
export type ModelInput = ModelVersion['input'];
/** Headline numbers of a training report (the full report: GET /models/:id/report). */
export type ModelMetrics = ModelVersion['metrics'];
export type ModelArtifact = ModelVersion['artifacts'][number];
/** The two .tflite files phones download, and the search's report (JSON and HTML). */
export type ArtifactVariant = ModelArtifact['variant'];
/** The report's anomaly figures without the score histogram (that stays in the report). */
export type AnomalyMetrics = NonNullable<ModelMetrics['anomaly']>;
/** Files a phone downloads: the two .tflite files, and the held-out probe samples it checks them on (`@offgrid/features` probes). */
export const MODEL_FILE_VARIANTS = ['float32', 'int8', 'probes'] as const;

interface ModelRow {
  id: string;
  project_id: string;
  version: number;
  labels: string;
  input: string;
  metrics: string;
  created_at: string;
  purged_samples: number;
}

export interface NewModel {
  projectId: string;
  jobId: string;
  datasetId: string;
  labels: string[];
  input: ModelInput;
  metrics: ModelVersion['metrics'];
  artifacts: ModelArtifact[];
}

export class ModelStore {
  constructor(private readonly db: Db) {}

  /**
   * Registers a model and its artifacts (whose blobs are already stored) in one transaction; it becomes the
   * project's active model unless someone pinned another one.
   */
  register(model: NewModel): ModelVersion {
    const id = randomUUID();
    this.db.transaction(() => {
      const { next } = this.db.prepare('SELECT COALESCE(MAX(version), 0) + 1 AS next FROM models WHERE project_id = ?').get(model.projectId) as { next: number };
      this.db.prepare(`INSERT INTO models (id, project_id, version, job_id, dataset_id, labels, input, metrics, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(id, model.projectId, next, model.jobId, model.datasetId, JSON.stringify(model.labels),
        JSON.stringify(model.input), JSON.stringify(model.metrics), new Date().toISOString());
      const addArtifact = this.db.prepare('INSERT INTO model_artifacts (model_id, variant, sha256, size_bytes) VALUES (?, ?, ?, ?)');
      for (const artifact of model.artifacts) addArtifact.run(id, artifact.variant, artifact.sha256, artifact.sizeBytes);
      this.db.prepare('UPDATE projects SET active_model_id = ? WHERE id = ? AND model_pinned = 0').run(id, model.projectId);
    })();
    return this.get(id);
  }

  list(projectId: string): ModelVersion[] {
    const rows = this.db.prepare('SELECT * FROM models WHERE project_id = ? ORDER BY version DESC').all(projectId) as ModelRow[];
    return rows.map((row) => this.toModel(row));
  }

  get(id: string): ModelVersion {
    const row = this.db.prepare('SELECT * FROM models WHERE id = ?').get(id) as ModelRow | undefined;
    if (!row) throw new OffgridError('NOT_FOUND', `No model with id ${id}. List a project's models with GET /api/v1/projects/<projectId>/models.`);
    return this.toModel(row);
  }

  /** Makes this version the project's active one (a rollback when it is older); `pin` keeps it active when new models arrive. */
  activate(id: string, pin: boolean): { projectId: string } {
    const model = this.get(id);
    this.db.prepare('UPDATE projects SET active_model_id = ?, model_pinned = ? WHERE id = ?').run(id, pin ? 1 : 0, model.projectId);
    return { projectId: model.projectId };
  }

  /**
   * Deletes a version and its artifact rows; returns the artifact digests so the caller can drop blobs
   * nothing else references. The active version cannot go: phones would be left without a model.
   */
  delete(id: string): { projectId: string; sha256s: string[] } {
    return this.db.transaction(() => {
      const model = this.get(id);
      if (model.active) {
        throw new OffgridError('CONFLICT', `Model v${model.version} is the project's active model. Activate another version first (POST /api/v1/models/<modelId>/activate), then delete this one.`);
      }
      this.db.prepare('DELETE FROM model_artifacts WHERE model_id = ?').run(id);
      this.db.prepare('DELETE FROM models WHERE id = ?').run(id);
      return { projectId: model.projectId, sha256s: model.artifacts.map((a) => a.sha256) };
    })();
  }

  /** Whether any sample or model artifact still needs the blob. */
  blobReferenced(sha256: string): boolean {
    return this.db.prepare('SELECT 1 FROM model_artifacts WHERE sha256 = ? UNION ALL SELECT 1 FROM samples WHERE sha256 = ? LIMIT 1').get(sha256, sha256) !== undefined;
  }

  private toModel(row: ModelRow): ModelVersion {
    const project = this.db.prepare('SELECT active_model_id, task FROM projects WHERE id = ?').get(row.project_id) as { active_model_id: string | null; task: Task } | undefined;
    const artifacts = (this.db.prepare('SELECT variant, sha256, size_bytes FROM model_artifacts WHERE model_id = ? ORDER BY variant').all(row.id) as { variant: ArtifactVariant; sha256: string; size_bytes: number }[])
      .map((a) => ({ variant: a.variant, sha256: a.sha256, sizeBytes: a.size_bytes }));
    return {
      id: row.id, projectId: row.project_id, version: row.version, createdAt: row.created_at,
      task: project?.task ?? 'classify', labels: JSON.parse(row.labels), input: upgradeInput(JSON.parse(row.input)), metrics: JSON.parse(row.metrics), artifacts,
      active: project?.active_model_id === row.id, ...(row.purged_samples > 0 ? { purgedSamples: row.purged_samples } : {}),
    };
  }
}

/** Image models registered before `kind`/`shape`/`preprocessing` existed stored only the image fields: derive the rest. */
export function upgradeInput(stored: ModelInput | { width: number; height: number; channels: 3; dtype: 'float32'; mean: number; std: number }): ModelInput {
  if ('kind' in stored) return stored;
  const { width, height, mean, std } = stored;
  return { ...stored, kind: 'image', shape: [height, width, 3], preprocessing: { image: { width, height, mean, std } } };
}
