import { sha256Hex } from './checksum.ts';
import { OffgridChecksumError, OffgridApiError, UNEXPECTED_RESPONSE_CODE, errorFromResponse, isAbortError, networkError } from './errors.ts';
import { gzip } from './gzip.ts';
import { imageContentType } from './image-type.ts';
import { API_OPERATIONS, type ApiRoutes } from './generated/api-types.ts';
import type {
  ActivateModelOptions,
  ApiKeyInfo,
  ApiResponse,
  ApiRoute,
  CreateProjectInput,
  DatasetUpload,
  DatasetUploadResult,
  EditSamplesRequest,
  FederatedCandidate,
  FederatedRound,
  HeadFile,
  Health,
  Job,
  ListSamplesOptions,
  ModelReport,
  ModelVariant,
  ModelVersion,
  OpenRoundRequest,
  PairingExchange,
  PairingToken,
  Project,
  ProjectImport,
  PurgeResult,
  Readiness,
  RemoveLabelRequest,
  RoundEvaluation,
  RoundUpdate,
  SampleEditResult,
  SamplePage,
  SampleUpload,
  TrainingRequest,
} from './types.ts';
import { watchJob } from './watch-job.ts';
import type { JobListener, WatchJobOptions, WebSocketConstructor } from './watch-job.ts';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface OffgridClientOptions {
  /** Server origin, e.g. `https://192.168.1.20:8000` (a trailing `/api/v1` is accepted too). */
  baseUrl: string;
  /** Device or admin key; sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Defaults to the global `fetch`. */
  fetch?: FetchLike;
  /** Interval of the polling fallback of `watchJob`, and the pause before it reconnects a stream. Default 1000 ms. */
  pollIntervalMs?: number;
  /**
   * What `watchJob` opens its WebSocket with. Defaults to `globalThis.WebSocket` where it exists (browsers, Node ≥ 22);
   * `null` (or none available, as in Node 20) skips the WebSocket: SSE, then polling.
   */
  WebSocket?: WebSocketConstructor | null;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

export interface UploadSampleOptions extends RequestOptions {
  /** Lets the server drop a retried upload; use a fresh random UUID per capture. */
  idempotencyKey?: string;
  /** Defaults to the blob's type, else sniffed from the bytes (JPEG, PNG, WebP). */
  contentType?: string;
  /** Gzip the body and send `Content-Encoding: gzip` (the server inflates it; caps apply to the inflated size). */
  gzip?: boolean;
  /**
   * Lowercase hex SHA-256 of the (uncompressed) image, sent as `X-Checksum-Sha256`: the server refuses the upload
   * with `OFFGRID_ERR_CHECKSUM_MISMATCH` and stores nothing when what arrived hashes differently. Compute it when
   * the image is captured (`sha256Hex`) to cover the whole way from the camera to the disk.
   */
  sha256?: string;
}

export interface UploadDatasetOptions extends RequestOptions {
  /** Send a `checksums` field (filename → sha256) before the files, so the server verifies each. Default true. */
  checksums?: boolean;
  /** Gzip the whole multipart body (`Content-Encoding: gzip`). Default false. */
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

/** The server's operationIds; each names the OffgridClient method that calls it, unless NOT_CLIENT_METHODS lists it. */
type ApiOperation = keyof typeof API_OPERATIONS;
type RouteOf<O extends ApiOperation> = (typeof API_OPERATIONS)[O];
type ParamsOf<R extends ApiRoute> = ApiRoutes[R] extends { params: infer P } ? P : Record<string, never>;
type QueryOf<R extends ApiRoute> = ApiRoutes[R] extends { query: infer Q } ? Q : Record<string, never>;
type BodyOf<R extends ApiRoute> = ApiRoutes[R] extends { body: infer B } ? B : never;

/** A streamed project archive (`exportProject`). */
export interface ProjectArchive {
  /** The tar, read as it arrives. */
  body: ReadableStream<Uint8Array>;
  /** The server's suggested file name (`offgrid-<name>-<id>.tar`). */
  filename?: string;
  /** Only when the server sends `Content-Length` (it streams, so usually not). */
  sizeBytes?: number;
}

/** A call of one route of `ApiRoutes`: its path parameters, query and JSON body are checked against the schemas. */
interface CallOptions<R extends ApiRoute> extends RequestOptions {
  params?: ParamsOf<R>;
  query?: QueryOf<R>;
  /** Sent as JSON. */
  json?: BodyOf<R>;
  /** Any other body (image, multipart, archive). */
  body?: RequestInit['body'];
  headers?: Record<string, string>;
  /** Non-2xx statuses to hand back instead of throwing (e.g. 503 from `/ready`). */
  okStatuses?: number[];
  /** Extra fetch options (Node needs `duplex: 'half'` for a streamed body). */
  init?: Record<string, unknown>;
}

/**
 * The operations no OffgridClient method of the same name calls, and what calls them instead. Every other
 * operationId is a method name (client.test.ts checks both ways, so a new server route needs one or the other).
 */
export const NOT_CLIENT_METHODS: Readonly<Partial<Record<ApiOperation, string>>> = {
  uploadSamples: 'uploadSample (one raw sample) and uploadDataset (multipart)',
  jobEvents: 'watchJob (Server-Sent Events, its second transport)',
  jobSocket: 'watchJob (WebSocket, its first transport)',
  getModelReportHtml: 'a page for browsers; getModelReport has the same data',
  getWorkerQueue: 'workers: server/src/cluster/http-worker-link.ts',
  sendWorkerHeartbeat: 'workers: server/src/cluster/http-worker-link.ts',
  getTrialInput: 'workers: server/src/cluster/http-worker-link.ts',
  getTrialCheckpoint: 'workers: server/src/cluster/http-worker-link.ts',
  putTrialCheckpoint: 'workers: server/src/cluster/http-worker-link.ts',
  reportTrialProgress: 'workers: server/src/cluster/http-worker-link.ts',
  reportTrialResult: 'workers: server/src/cluster/http-worker-link.ts',
  reportTrialFailure: 'workers: server/src/cluster/http-worker-link.ts',
};

const API_PREFIX = '/api/v1';
/** The job socket's subprotocol; the key travels as a second one, `key.<apiKey>` (browsers cannot set headers on a WebSocket). */
const JOB_SOCKET_PROTOCOL = 'offgrid.v1';
const JOB_SOCKET_KEY_PREFIX = 'key.';

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
    return this.json('health', options);
  }

  /**
   * Readiness (no key needed): `ready: false` with `checks` and `error` when the database or blob folder refuses
   * writes (HTTP 503 is answered, not thrown). Other failures throw as usual.
   */
  async ready(options?: RequestOptions): Promise<Readiness> {
    const response = await this.call('ready', { ...options, headers: { Accept: 'application/json' }, okStatuses: [503] });
    if (response.ok) return (await response.json()) as Readiness;
    const text = await response.text();
    try {
      const body = JSON.parse(text) as Partial<Readiness>;
      if (typeof body.ready === 'boolean' && body.checks) return body as Readiness;
    } catch {
      // not a readiness body: reported below
    }
    throw await errorFromResponse(new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers }));
  }

  /** Needs an admin key. Oldest first; secrets are never returned. */
  async listKeys(options?: RequestOptions): Promise<ApiKeyInfo[]> {
    return (await this.json('listKeys', options)).keys;
  }

  /** Needs an admin key. A key for a worker machine (`offgrid worker`) or another admin; the secret is in this answer only. */
  createKey(scope: 'worker' | 'admin', name: string, options?: RequestOptions): Promise<{ apiKey: string; key: ApiKeyInfo }> {
    return this.json('createKey', { ...options, json: { scope, name } });
  }

  /** Needs an admin key. The key's next request gets 401; revoking the last admin key is refused (409). */
  revokeKey(keyId: string, options?: RequestOptions): Promise<ApiKeyInfo> {
    return this.json('revokeKey', { ...options, params: { keyId } });
  }

  /** Needs an admin key. Sets the projects a device key may reach (it also reaches the projects it creates later). */
  setKeyProjects(keyId: string, projectIds: string[], options?: RequestOptions): Promise<ApiKeyInfo> {
    return this.json('setKeyProjects', { ...options, params: { keyId }, json: { projectIds } });
  }

  /** Needs an admin key. The device key the link buys reaches `projectIds` (default none) and the projects that phone creates. */
  createPairingToken(input: { projectIds?: string[] } = {}, options?: RequestOptions): Promise<PairingToken> {
    return this.json('createPairingToken', { ...options, json: input });
  }

  /** Needs no key: trades a one-time pairing token for a device key. */
  exchangePairingToken(token: string, deviceName?: string, options?: RequestOptions): Promise<PairingExchange> {
    return this.json('exchangePairingToken', { ...options, json: deviceName === undefined ? { token } : { token, deviceName } });
  }

  async listProjects(options?: RequestOptions): Promise<Project[]> {
    return (await this.json('listProjects', options)).projects;
  }

  createProject(input: CreateProjectInput, options?: RequestOptions): Promise<Project> {
    return this.json('createProject', { ...options, json: input });
  }

  getProject(projectId: string, options?: RequestOptions): Promise<Project> {
    return this.json('getProject', { ...options, params: { projectId } });
  }

  /**
   * Needs an admin key. The project as one tar archive (manifest.json, then every image and model file), for
   * backup or moving machines. `body` streams as it arrives (archives can be GBs): nothing is buffered here.
   */
  async exportProject(projectId: string, options?: RequestOptions): Promise<ProjectArchive> {
    const response = await this.call('exportProject', { ...options, params: { projectId } });
    if (!response.body) throw new OffgridApiError(response.status, UNEXPECTED_RESPONSE_CODE, 'The project export has no body.');
    const disposition = /filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') ?? '');
    const length = response.headers.get('Content-Length');
    return { body: response.body, filename: disposition?.[1], sizeBytes: length === null ? undefined : Number(length) };
  }

  /**
   * Needs an admin key. Imports an archive made by `exportProject` (tar, or gzipped tar) with its ids; all or
   * nothing: a corrupt or truncated archive gets `OFFGRID_ERR_VALIDATION` / `OFFGRID_ERR_CHECKSUM_MISMATCH` and
   * nothing is stored, an existing project 409. Pass a `Blob`/`File` (browsers stream it from disk) or a
   * `ReadableStream` (Node: streamed with `duplex: 'half'`, never buffered whole).
   */
  importProject(archive: Blob | ReadableStream<Uint8Array>, options?: RequestOptions): Promise<ProjectImport> {
    // A streamed body needs duplex 'half' (Node). redirect 'error' + window null: otherwise fetch clones the
    // request for a possible redirect or auth retry, and the clone's tee keeps every chunk in memory.
    const init = archive instanceof ReadableStream ? { duplex: 'half', redirect: 'error', window: null } : {};
    return this.json('importProject', { ...options, body: archive, init, headers: { 'Content-Type': 'application/x-tar' } });
  }

  /** One page of a project's samples, oldest first; pass `nextAfter` back as `after` for the next page. */
  async listSamples(projectId: string, query: ListSamplesOptions = {}, options?: RequestOptions): Promise<SamplePage> {
    const page = await this.json('listSamples', { ...options, params: { projectId }, query });
    return page.nextAfter === undefined ? { samples: page.samples } : { samples: page.samples, nextAfter: page.nextAfter };
  }

  /** A sample's stored bytes (image, WAV, motion or tabular JSON, text), deleted samples too. */
  async sampleContent(projectId: string, sampleId: string, options?: RequestOptions): Promise<Blob> {
    return (await this.call('sampleContent', { ...options, params: { projectId, sampleId } })).blob();
  }

  /** A 96×96 JPEG of an image sample (made once on the server). */
  async sampleThumbnail(projectId: string, sampleId: string, options?: RequestOptions): Promise<Blob> {
    return (await this.call('sampleThumbnail', { ...options, params: { projectId, sampleId } })).blob();
  }

  /** Deletes (undoable), restores (the undo) or moves samples to another label. */
  editSamples(projectId: string, edit: EditSamplesRequest, options?: RequestOptions): Promise<SampleEditResult> {
    return this.json('editSamples', { ...options, params: { projectId }, json: edit });
  }

  /** Erases samples everywhere (rows, stored snapshots, bytes); models trained on them are marked. Cannot be undone. */
  purgeSamples(projectId: string, sampleIds: string[], options?: RequestOptions): Promise<PurgeResult> {
    return this.json('purgeSamples', { ...options, params: { projectId }, json: { sampleIds } });
  }

  addLabel(projectId: string, label: string, options?: RequestOptions): Promise<Project> {
    return this.json('addLabel', { ...options, params: { projectId }, json: { label } });
  }

  /** Renames a label; its samples follow. */
  renameLabel(projectId: string, from: string, to: string, options?: RequestOptions): Promise<Project> {
    return this.json('renameLabel', { ...options, params: { projectId }, json: { from, to } });
  }

  /** Removes a label; its samples are deleted or moved (`{ samples: 'move', to }`). */
  removeLabel(projectId: string, removal: RemoveLabelRequest, options?: RequestOptions): Promise<Project> {
    return this.json('removeLabel', { ...options, params: { projectId }, json: removal });
  }

  /** Deletes a project with all its samples, jobs and model versions (a running job is cancelled first). */
  async deleteProject(projectId: string, options?: RequestOptions): Promise<void> {
    const response = await this.call('deleteProject', { ...options, params: { projectId } });
    await response.body?.cancel();
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
    if (options.sha256) headers['X-Checksum-Sha256'] = options.sha256.toLowerCase();
    let body: RequestInit['body'] = image instanceof Uint8Array ? toBlob(image) : image;
    if (options.gzip) {
      // Bytes rather than a Blob: the same on the wire, and visible to devtools (and the e2e tests).
      body = (await gzip(body)) as Uint8Array<ArrayBuffer>;
      headers['Content-Encoding'] = 'gzip';
    }
    const params = { projectId };
    return this.json('uploadSamples', { signal: options.signal, params, query: { label }, headers, body }) as Promise<SampleUpload>;
  }

  /** Uploads many labelled images in one multipart request; each part's field name is its label. */
  async uploadDataset(projectId: string, files: DatasetFile[], options: UploadDatasetOptions = {}): Promise<DatasetUploadResult[]> {
    const parts = files.map((file, index) => ({
      label: file.label,
      blob: file.data instanceof Uint8Array ? toBlob(file.data) : file.data,
      filename: file.filename ?? `${file.label}-${index}`,
    }));
    const form = new FormData();
    if (options.checksums ?? true) {
      const checksums: Record<string, string> = {};
      for (const part of parts) checksums[part.filename] = await sha256Hex(new Uint8Array(await part.blob.arrayBuffer()));
      form.append('checksums', JSON.stringify(checksums)); // before the files: the server reads it first
    }
    for (const part of parts) form.append(part.label, part.blob, part.filename);
    let body: RequestInit['body'] = form;
    const headers: Record<string, string> = {};
    if (options.gzip) {
      // Serialise the multipart body (and its boundary) first, then compress it.
      const encoded = new Response(form);
      headers['Content-Type'] = encoded.headers.get('Content-Type') ?? 'multipart/form-data';
      headers['Content-Encoding'] = 'gzip';
      body = (await gzip(await encoded.blob())) as Uint8Array<ArrayBuffer>;
    }
    const answer = (await this.json('uploadSamples', { signal: options.signal, params: { projectId }, headers, body })) as DatasetUpload;
    return answer.results;
  }

  startTraining(projectId: string, request: TrainingRequest, options?: RequestOptions): Promise<Job> {
    return this.json('startTraining', { ...options, params: { projectId }, json: request });
  }

  /** A project's jobs, newest first; `{ active: true }`: only queued and running ones (to re-attach after a reload). */
  async listJobs(projectId: string, query: { active?: boolean; limit?: number } = {}, options?: RequestOptions): Promise<Job[]> {
    return (await this.json('listJobs', { ...options, params: { projectId }, query })).jobs;
  }

  getJob(jobId: string, options?: RequestOptions): Promise<Job> {
    return this.json('getJob', { ...options, params: { jobId } });
  }

  cancelJob(jobId: string, options?: RequestOptions): Promise<Job> {
    return this.json('cancelJob', { ...options, params: { jobId } });
  }

  /**
   * Calls `onUpdate` with every job change until the job is final, then resolves with the final job. Transports,
   * best first: the WebSocket `GET /jobs/:id/socket` (where a WebSocket exists), the SSE stream read through fetch
   * (EventSource cannot send the key), then polling `getJob` every `pollIntervalMs`; a broken stream is reconnected.
   * Pass a signal, or `{ signal, onConnection }` to be told which transport is live.
   */
  watchJob(jobId: string, onUpdate: JobListener, options?: AbortSignal | WatchJobOptions): Promise<Job> {
    const SocketClass = this.options.WebSocket === undefined ? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket : this.options.WebSocket;
    return watchJob(
      {
        openSocket: SocketClass ? (id) => new SocketClass(this.jobSocketUrl(id), this.jobSocketProtocols()) : undefined,
        openEvents: (id, watchSignal) => this.openJobEvents(id, watchSignal),
        getJob: (id, watchSignal) => this.getJob(id, { signal: watchSignal }),
        pollIntervalMs: this.options.pollIntervalMs ?? 1000,
      },
      jobId,
      onUpdate,
      isAbortSignal(options) ? { signal: options } : options,
    );
  }

  /** Newest first. */
  async listModels(projectId: string, options?: RequestOptions): Promise<ModelVersion[]> {
    return (await this.json('listModels', { ...options, params: { projectId } })).models;
  }

  getModel(modelId: string, options?: RequestOptions): Promise<ModelVersion> {
    return this.json('getModel', { ...options, params: { modelId } });
  }

  /**
   * The training report of a version: the split, the winner and its config, every trial with its per-epoch
   * validation history, float32 and int8 test metrics (per-class precision/recall, confusion[actual][predicted])
   * and the file sizes. 404 for versions trained before reports existed. `/report.html` is the same as a page.
   */
  getModelReport(modelId: string, options?: RequestOptions): Promise<ModelReport> {
    return this.json('getModelReport', { ...options, params: { modelId } });
  }

  /**
   * Makes this version the project's active model on the server (an older one = rollback). With `pin` (the default)
   * new training results no longer replace it; `pin: false` lets the next result take over. Returns the project.
   */
  activateModel(modelId: string, activate: ActivateModelOptions = {}, options?: RequestOptions): Promise<Project> {
    const json = activate.pin === undefined ? {} : { pin: activate.pin };
    return this.json('activateModel', { ...options, params: { modelId }, json });
  }

  /** Deletes a version and its files on the server. The active version is refused (409 `OFFGRID_ERR_CONFLICT`). */
  async deleteModel(modelId: string, options?: RequestOptions): Promise<void> {
    const response = await this.call('deleteModel', { ...options, params: { modelId } });
    await response.body?.cancel();
  }

  /**
   * Downloads a version's file (`float32`, `int8`, `trunk-int8`, `trunk-float32`: .tflite; `probes`, `head`: JSON)
   * and checks it against `X-Checksum-Sha256`; throws `OffgridChecksumError` on mismatch.
   */
  async downloadModel(modelId: string, variant: ModelVariant = 'float32', options?: RequestOptions): Promise<DownloadedModel> {
    const response = await this.call('downloadModel', { ...options, params: { modelId }, query: { variant } });
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

  /** A version's classifier head (`offgrid.head.v1` JSON: float32 weights and bias, base64), sha256-verified. */
  async downloadHead(modelId: string, options?: RequestOptions): Promise<HeadFile> {
    const { bytes } = await this.downloadModel(modelId, 'head', options);
    let head: Partial<HeadFile> | null = null;
    try {
      head = JSON.parse(new TextDecoder().decode(bytes)) as Partial<HeadFile> | null;
    } catch {
      // reported below
    }
    if (!head || typeof head.format !== 'string' || typeof head.weights !== 'string' || typeof head.bias !== 'string') {
      throw new OffgridApiError(200, UNEXPECTED_RESPONSE_CODE, `Model ${modelId}'s head file is not an offgrid head (${head ? `format ${String(head.format)}` : 'not JSON'}).`);
    }
    return head as HeadFile;
  }

  /** A project's federated rounds, newest first (docs/federated.md). */
  async listRounds(projectId: string, options?: RequestOptions): Promise<FederatedRound[]> {
    return (await this.json('listRounds', { ...options, params: { projectId } })).rounds;
  }

  /** Opens a round on a version (default: the active one); one open round per project (409 otherwise). */
  openRound(projectId: string, settings: OpenRoundRequest = {}, options?: RequestOptions): Promise<FederatedRound> {
    return this.json('openRound', { ...options, params: { projectId }, json: settings });
  }

  /** One round: settings, who joined, counts, norms and, once closed, the decision. */
  getRound(roundId: string, options?: RequestOptions): Promise<FederatedRound> {
    return this.json('getRound', { ...options, params: { roundId } });
  }

  /** Joins an open round with this key (idempotent for the same phone). */
  joinRound(roundId: string, options?: RequestOptions): Promise<FederatedRound> {
    return this.json('joinRound', { ...options, params: { roundId } });
  }

  /** Sends the trained head's change (`encodeFloats(headDelta(base, trained))`) and the sample count; never samples. */
  sendRoundUpdate(roundId: string, update: RoundUpdate, options?: RequestOptions): Promise<FederatedRound> {
    return this.json('sendRoundUpdate', { ...options, params: { roundId }, json: update });
  }

  /** The averaged head, while the round is evaluating (409 before). */
  getRoundCandidate(roundId: string, options?: RequestOptions): Promise<FederatedCandidate> {
    return this.json('getRoundCandidate', { ...options, params: { roundId } });
  }

  /** Rates the averaged head against the base on this phone's held-out samples (counts only). */
  sendRoundEvaluation(roundId: string, evaluation: RoundEvaluation, options?: RequestOptions): Promise<FederatedRound> {
    return this.json('sendRoundEvaluation', { ...options, params: { roundId }, json: evaluation });
  }

  /** Closes a round now: averages what arrived (if enough phones sent updates), or decides on the ratings so far. */
  closeRound(roundId: string, options?: RequestOptions): Promise<FederatedRound> {
    return this.json('closeRound', { ...options, params: { roundId } });
  }

  /** Copies a version of another project with the same labels into this one (a privacy-mode project's start); the key must reach both. */
  copyModel(projectId: string, fromModelId: string, options?: RequestOptions): Promise<ModelVersion> {
    return this.json('copyModel', { ...options, params: { projectId }, json: { fromModelId } });
  }

  /** Turns privacy mode on or off (admin key): on, the server refuses every sample of the project (docs/federated.md). */
  setPrivacy(projectId: string, samplesStayOnDevice: boolean, options?: RequestOptions): Promise<Project> {
    return this.json('setPrivacy', { ...options, params: { projectId }, json: { samplesStayOnDevice } });
  }

  private jobSocketUrl(jobId: string): string {
    return `${this.apiRoot.replace(/^http/, 'ws')}/jobs/${encodeURIComponent(jobId)}/socket`;
  }

  private jobSocketProtocols(): string[] {
    return this.apiKey ? [JOB_SOCKET_PROTOCOL, JOB_SOCKET_KEY_PREFIX + this.apiKey] : [JOB_SOCKET_PROTOCOL];
  }

  private async openJobEvents(jobId: string, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const response = await this.call('jobEvents', { signal, params: { jobId }, headers: { Accept: 'text/event-stream' } });
    if (!response.body) throw new Error('The job event stream has no body.');
    return response.body;
  }

  /** Calls an operation and parses its JSON answer, typed by its route's response schema. */
  private async json<O extends ApiOperation>(operation: O, options: CallOptions<RouteOf<O>> = {}): Promise<ApiResponse<RouteOf<O>>> {
    const response = await this.call(operation, { ...options, headers: { Accept: 'application/json', ...options.headers } });
    return (await response.json()) as ApiResponse<RouteOf<O>>;
  }

  /** Calls an operation by its operationId (the server's name for it, and the SDK method's). */
  private async call<O extends ApiOperation>(operation: O, options: CallOptions<RouteOf<O>>): Promise<Response> {
    const [method, template] = API_OPERATIONS[operation].split(' ');
    const params = (options.params ?? {}) as Record<string, string>;
    const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name]));
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) query.set(key, String(value));
    const search = query.toString();
    const url = this.apiRoot + path + (search ? `?${search}` : '');
    const headers: Record<string, string> = { ...options.headers };
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['Content-Type'] = 'application/json';
    }
    if (this.apiKey) headers.Authorization = `Bearer ${this.apiKey}`;
    let response: Response;
    try {
      response = await this.fetchFn(url, { ...options.init, method, headers, body, signal: options.signal });
    } catch (error) {
      if (isAbortError(error) || options.signal?.aborted) throw error;
      throw networkError(this.apiRoot, error);
    }
    if (!response.ok && !options.okStatuses?.includes(response.status)) throw await errorFromResponse(response);
    return response;
  }
}

function isAbortSignal(value: unknown): value is AbortSignal {
  return typeof value === 'object' && value !== null && 'aborted' in value && 'addEventListener' in value;
}

function toBlob(bytes: Uint8Array): Blob {
  return new Blob([bytes as Uint8Array<ArrayBuffer>]);
}
