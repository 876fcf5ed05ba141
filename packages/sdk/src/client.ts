import { sha256Hex } from './checksum.ts';
import { OffgridChecksumError, OffgridApiError, UNEXPECTED_RESPONSE_CODE, errorFromResponse, isAbortError, networkError } from './errors.ts';
import { gzip } from './gzip.ts';
import { imageContentType } from './image-type.ts';
import type {
  CreateProjectInput,
  DatasetUploadResult,
  Health,
  Job,
  ModelVariant,
  ModelVersion,
  PairingExchange,
  PairingToken,
  Project,
  SampleUpload,
  TrainingRequest,
} from './types.ts';
import { watchJob } from './watch-job.ts';
import type { JobListener } from './watch-job.ts';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface OffgridClientOptions {
  /** Server origin, e.g. `https://192.168.1.20:8000` (a trailing `/api/v1` is accepted too). */
  baseUrl: string;
  /** Device or admin key; sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Defaults to the global `fetch`. */
  fetch?: FetchLike;
  /** Interval of the polling fallback of `watchJob`. Default 1000 ms. */
  pollIntervalMs?: number;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

export interface UploadSampleOptions extends RequestOptions {
  /** Lets the server drop a retried upload; use a fresh random UUID per capture. */
  idempotencyKey?: string;
  /** Defaults to the blob's type, else sniffed from the bytes (JPEG, PNG, WebP). */
  contentType?: string;
  /** Gzip the body and send `Content-Encoding: gzip`. Only for servers that accept compressed request bodies. */
  gzip?: boolean;
}

export interface DatasetFile {
  label: string;
  data: Blob | Uint8Array;
  filename?: string;
}

export interface DownloadedModel {
  bytes: Uint8Array;
  /** Verified lowercase hex SHA-256 of `bytes`. */
  sha256: string;
  etag?: string;
}

interface CallOptions extends RequestOptions {
  method?: string;
  query?: Record<string, string>;
  body?: RequestInit['body'];
  headers?: Record<string, string>;
}

const API_PREFIX = '/api/v1';

/** Typed client for the Offgrid HTTP API v1 (docs/api.md). Uses only `fetch`: works in browsers and Node 20. */
export class OffgridClient {
  readonly baseUrl: string;
  readonly apiKey: string | undefined;
  private readonly options: OffgridClientOptions;
  private readonly fetchFn: FetchLike;
  private readonly apiRoot: string;

  constructor(options: OffgridClientOptions) {
    this.options = options;
    this.baseUrl = options.baseUrl;
    this.apiKey = options.apiKey;
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    const trimmed = options.baseUrl.replace(/\/+$/, '');
    this.apiRoot = trimmed.endsWith(API_PREFIX) ? trimmed : trimmed + API_PREFIX;
  }

  /** Same server and options, another key (e.g. right after pairing). */
  withApiKey(apiKey: string): OffgridClient {
    return new OffgridClient({ ...this.options, apiKey });
  }

  health(options?: RequestOptions): Promise<Health> {
    return this.json('/health', options);
  }

  /** Needs an admin key. */
  createPairingToken(options?: RequestOptions): Promise<PairingToken> {
    return this.json('/pairing/tokens', { ...options, method: 'POST', ...jsonBody({}) });
  }

  /** Needs no key: trades a one-time pairing token for a device key. */
  exchangePairingToken(token: string, deviceName?: string, options?: RequestOptions): Promise<PairingExchange> {
    return this.json('/pairing/exchange', { ...options, method: 'POST', ...jsonBody({ token, deviceName }) });
  }

  async listProjects(options?: RequestOptions): Promise<Project[]> {
    const body = await this.json<{ projects: Project[] }>('/projects', options);
    return body.projects;
  }

  createProject(input: CreateProjectInput, options?: RequestOptions): Promise<Project> {
    return this.json('/projects', { ...options, method: 'POST', ...jsonBody(input) });
  }

  getProject(projectId: string, options?: RequestOptions): Promise<Project> {
    return this.json(`/projects/${enc(projectId)}`, options);
  }

  /** Uploads one labelled image (raw body). */
  async uploadSample(
    projectId: string,
    label: string,
    image: Blob | Uint8Array,
    options: UploadSampleOptions = {},
  ): Promise<SampleUpload> {
    const headers: Record<string, string> = { 'Content-Type': options.contentType ?? (await imageContentType(image)) };
    if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey;
    let body: Blob = image instanceof Uint8Array ? toBlob(image) : image;
    if (options.gzip) {
      body = toBlob(await gzip(body));
      headers['Content-Encoding'] = 'gzip';
    }
    return this.json(`/projects/${enc(projectId)}/samples`, { signal: options.signal, method: 'POST', query: { label }, headers, body });
  }

  /** Uploads many labelled images in one multipart request; each part's field name is its label. */
  async uploadDataset(projectId: string, files: DatasetFile[], options?: RequestOptions): Promise<DatasetUploadResult[]> {
    const form = new FormData();
    files.forEach((file, index) => {
      const blob = file.data instanceof Uint8Array ? toBlob(file.data) : file.data;
      form.append(file.label, blob, file.filename ?? `${file.label}-${index}`);
    });
    const body = await this.json<{ results: DatasetUploadResult[] }>(`/projects/${enc(projectId)}/samples`, {
      ...options,
      method: 'POST',
      body: form,
    });
    return body.results;
  }

  startTraining(projectId: string, request: TrainingRequest, options?: RequestOptions): Promise<Job> {
    return this.json(`/projects/${enc(projectId)}/train`, { ...options, method: 'POST', ...jsonBody(request) });
  }

  getJob(jobId: string, options?: RequestOptions): Promise<Job> {
    return this.json(`/jobs/${enc(jobId)}`, options);
  }

  cancelJob(jobId: string, options?: RequestOptions): Promise<Job> {
    return this.json(`/jobs/${enc(jobId)}/cancel`, { ...options, method: 'POST' });
  }

  /**
   * Calls `onUpdate` with every job change until the job is final, then resolves with the final job. Reads the
   * SSE stream through fetch (EventSource cannot send the key); polls `getJob` every second if the stream fails.
   */
  watchJob(jobId: string, onUpdate: JobListener, signal?: AbortSignal): Promise<Job> {
    return watchJob(
      {
        openEvents: (id, watchSignal) => this.openJobEvents(id, watchSignal),
        getJob: (id, watchSignal) => this.getJob(id, { signal: watchSignal }),
        pollIntervalMs: this.options.pollIntervalMs ?? 1000,
      },
      jobId,
      onUpdate,
      signal,
    );
  }

  /** Newest first. */
  async listModels(projectId: string, options?: RequestOptions): Promise<ModelVersion[]> {
    const body = await this.json<{ models: ModelVersion[] }>(`/projects/${enc(projectId)}/models`, options);
    return body.models;
  }

  getModel(modelId: string, options?: RequestOptions): Promise<ModelVersion> {
    return this.json(`/models/${enc(modelId)}`, options);
  }

  /** Downloads a `.tflite` and checks it against `X-Checksum-Sha256`; throws `OffgridChecksumError` on mismatch. */
  async downloadModel(modelId: string, variant: ModelVariant = 'float32', options?: RequestOptions): Promise<DownloadedModel> {
    const response = await this.call(`/models/${enc(modelId)}/download`, { ...options, query: { variant } });
    const expected = response.headers.get('X-Checksum-Sha256')?.trim().toLowerCase();
    if (!expected) {
      throw new OffgridApiError(
        response.status,
        UNEXPECTED_RESPONSE_CODE,
        'The model download has no X-Checksum-Sha256 header, so it cannot be verified. Is the server an Offgrid server?',
      );
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    const actual = await sha256Hex(bytes);
    if (actual !== expected) throw new OffgridChecksumError(expected, actual);
    const etag = response.headers.get('ETag') ?? undefined;
    return etag === undefined ? { bytes, sha256: actual } : { bytes, sha256: actual, etag };
  }

  private async openJobEvents(jobId: string, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const response = await this.call(`/jobs/${enc(jobId)}/events`, { signal, headers: { Accept: 'text/event-stream' } });
    if (!response.body) throw new Error('The job event stream has no body.');
    return response.body;
  }

  private async json<T>(path: string, options: CallOptions = {}): Promise<T> {
    const response = await this.call(path, { ...options, headers: { Accept: 'application/json', ...options.headers } });
    return (await response.json()) as T;
  }

  private async call(path: string, options: CallOptions): Promise<Response> {
    const query = options.query ? `?${new URLSearchParams(options.query).toString()}` : '';
    const url = this.apiRoot + path + query;
    const headers: Record<string, string> = { ...options.headers };
    if (this.apiKey) headers.Authorization = `Bearer ${this.apiKey}`;
    let response: Response;
    try {
      response = await this.fetchFn(url, { method: options.method ?? 'GET', headers, body: options.body, signal: options.signal });
    } catch (error) {
      if (isAbortError(error) || options.signal?.aborted) throw error;
      throw networkError(this.apiRoot, error);
    }
    if (!response.ok) throw await errorFromResponse(response);
    return response;
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

function jsonBody(value: unknown): { body: string; headers: Record<string, string> } {
  return { body: JSON.stringify(value), headers: { 'Content-Type': 'application/json' } };
}

function toBlob(bytes: Uint8Array): Blob {
  return new Blob([bytes as Uint8Array<ArrayBuffer>]);
}
