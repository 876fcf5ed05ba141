import { randomUUID } from 'node:crypto';
import type { Task, WireType } from '@offgrid/features';
import type { modelSchema } from '../schemas.ts';
import type { Db } from '../storage/database.ts';
import { OffgridError } from '../errors.ts';

/** What on-device learning needs from a classifier (federated/model-parts.ts): its head, and each file's trunk. */
export const HEAD_VARIANTS = ['head', 'trunk-int8', 'trunk-float32'] as const;
export type HeadVariant = (typeof HEAD_VARIANTS)[number];
/**
 * Files phones download: the two .tflite files, the held-out probe samples it checks them on (`@offgrid/features`
 * probes), and for classifiers what on-device learning needs (federated/model-parts.ts: the head and each file's trunk).
 */
export const MODEL_FILE_VARIANTS = ['float32', 'int8', 'probes', ...HEAD_VARIANTS] as const;
/**
 * Stored but never served as a download: the search's report (JSON and HTML, their own routes), and the held-out test
 * samples with their labels (features' `encodeHoldout`: the server tests a federated round's head on them).
 */
export const SERVER_ONLY_VARIANTS = ['report', 'report-html', 'holdout'] as const;

/** A model version as the API returns it; the schema is the one spelling of its shape (and of the SDK's). */
export type ModelVersion = WireType<typeof modelSchema>;
/** What one example fed to the model is, and how the phone makes it from a sample. */
export type ModelInput = ModelVersion['input'];
/** Headline numbers of a training report (the full report: GET /models/:id/report). */
export type ModelMetrics = ModelVersion['metrics'];
export type ModelArtifact = ModelVersion['artifacts'][number];
/** Every file a version may store (MODEL_FILE_VARIANTS and SERVER_ONLY_VARIANTS). */
export type ArtifactVariant = ModelArtifact['variant'];
/** The report's anomaly figures without the score histogram (that stays in the report). */
export type AnomalyMetrics = NonNullable<ModelMetrics['anomaly']>;

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
  /** The job and dataset snapshot that trained it, in this project; null for a copy of another project's model. */
  jobId: string | null;
  datasetId: string | null;
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

  /**
   * Registers a version of another project here, same files (shared blobs) and metrics: how a privacy-mode project,
   * which holds no samples to train on, starts from a model trained elsewhere. Labels, modality and task must match.
   */
  copy(sourceId: string, projectId: string): ModelVersion {
    const source = this.get(sourceId);
    const target = this.db.prepare('SELECT labels, modality, task FROM projects WHERE id = ?').get(projectId) as { labels: string; modality: string; task: string } | undefined;
    if (!target) throw new OffgridError('NOT_FOUND', `No project with id ${projectId}.`);
    const labels = JSON.parse(target.labels) as string[];
    if (JSON.stringify(labels) !== JSON.stringify(source.labels) || target.modality !== source.input.kind || target.task !== source.task) {
      throw new OffgridError('CONFLICT', `Model v${source.version} predicts ${source.labels.join(', ')} (${source.input.kind}, ${source.task}); this project has ${labels.join(', ')} (${target.modality}, ${target.task}). Copy a model with the same labels, in the same order.`);
    }
    // No origin: the source's job and dataset belong to the other project (which stays free to delete them).
    return this.register({ projectId, jobId: null, datasetId: null, labels: source.labels, input: source.input, metrics: source.metrics, artifacts: source.artifacts });
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

  /** Adds files to a registered version (the head and trunks of a version registered before they existed); existing variants stay. */
  addArtifacts(id: string, artifacts: ModelArtifact[]): ModelVersion {
    const add = this.db.prepare('INSERT OR IGNORE INTO model_artifacts (model_id, variant, sha256, size_bytes) VALUES (?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const artifact of artifacts) add.run(id, artifact.variant, artifact.sha256, artifact.sizeBytes);
    })();
    return this.get(id);
  }

  /** The job and dataset snapshot a version came from (a federated version keeps its base's: the trunk is theirs). */
  origin(id: string): { jobId: string | null; datasetId: string | null } {
    const row = this.db.prepare('SELECT job_id AS jobId, dataset_id AS datasetId FROM models WHERE id = ?').get(id) as { jobId: string | null; datasetId: string | null } | undefined;
    if (!row) throw new OffgridError('NOT_FOUND', `No model with id ${id}.`);
    return row;
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
