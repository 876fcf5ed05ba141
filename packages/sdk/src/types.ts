// Wire types of the Offgrid HTTP API v1 (docs/api.md). Keep in step with the server's schemas.

export interface Health {
  ok: true;
  version: string;
}

export interface PairingToken {
  token: string;
  url: string;
  expiresAt: string;
}

export interface PairingExchange {
  apiKey: string;
  keyId: string;
  scope: 'device';
}

export interface Project {
  id: string;
  name: string;
  labels: string[];
  createdAt: string;
  sampleCounts: Record<string, number>;
  /** The version the server considers active (newest result, or the one pinned with `activateModel`). */
  activeModelId?: string;
  /** True when `activeModelId` was chosen with `activateModel(…, { pin: true })`: new training results do not replace it. */
  modelPinned: boolean;
}

export type ApiKeyScope = 'admin' | 'device';

export interface ApiKeyInfo {
  id: string;
  scope: ApiKeyScope;
  /** The device name given at pairing, or the admin key's name. */
  name: string;
  createdAt: string;
  lastUsedAt?: string;
  /** Set once revoked: the key's next request gets 401. */
  revokedAt?: string;
}

export interface ReadinessCheck {
  ok: boolean;
  error?: string;
}

/** `GET /ready`: can the server store what phones send? */
export interface Readiness {
  ready: boolean;
  checks: { database: ReadinessCheck; blobs: ReadinessCheck };
  /** Only when not ready (`OFFGRID_ERR_NOT_READY`), with the fix. */
  error?: { code: string; message: string };
}

export interface CreateProjectInput {
  name: string;
  labels: string[];
}

export interface Sample {
  id: string;
  projectId: string;
  label: string;
  sha256: string;
  width: number;
  height: number;
  createdAt: string;
}

export interface ListSamplesOptions {
  label?: string;
  /** Page size, 1..1000 (server default 200). */
  limit?: number;
  /** `nextAfter` of the previous page. */
  after?: string;
}

/** One page of samples, oldest first; `nextAfter` is there when more follow. */
export interface SamplePage {
  samples: Sample[];
  nextAfter?: string;
}

export interface SampleUpload {
  sample: Sample;
  duplicate: boolean;
}

export type DatasetUploadResult =
  | { ok: true; sample: Sample; duplicate: boolean }
  | { ok: false; filename: string; error: string };

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export type JobPhase = 'preparing' | 'training' | 'exporting' | 'done';

export interface JobProgress {
  phase: JobPhase;
  /** 1-based epoch being trained. */
  epoch: number;
  /** Planned epochs. */
  epochs: number;
  loss?: number;
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
  /** 0..1 overall. */
  fraction: number;
  etaSeconds?: number;
}

export interface Job {
  id: string;
  projectId: string;
  status: JobStatus;
  progress: JobProgress;
  createdAt: string;
  updatedAt: string;
  modelId?: string;
  error?: string;
}

export interface TrainingRequest {
  budgetSeconds: number;
  epochs?: number;
  batchSize?: number;
  validationSplit?: number;
}

export interface ModelInput {
  width: number;
  height: number;
  channels: 3;
  dtype: 'float32';
  mean: number;
  std: number;
}

export type ModelVariant = 'float32' | 'int8' | 'float16';

export interface ModelArtifact {
  variant: ModelVariant;
  sizeBytes: number;
  sha256: string;
}

export interface ModelMetrics {
  valAccuracy?: number;
  trainAccuracy?: number;
  epochs: number;
}

export interface ModelVersion {
  id: string;
  projectId: string;
  version: number;
  createdAt: string;
  labels: string[];
  input: ModelInput;
  metrics: ModelMetrics;
  artifacts: ModelArtifact[];
  /** This is the project's `activeModelId` on the server. */
  active: boolean;
}

export interface ActivateModelOptions {
  /** Default true: new training results no longer replace this version. `false` lets the next result take over. */
  pin?: boolean;
}

export interface ErrorBody {
  error: { code: string; message: string };
}

const FINAL_STATUSES: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'cancelled']);

/** True once a job can no longer change. */
export function isFinalJobStatus(status: JobStatus): boolean {
  return FINAL_STATUSES.has(status);
}
