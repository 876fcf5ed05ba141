// A durable queue of what the phone sends: captured samples and edits to stored ones (delete, restore, move).
// Everything is stored before it is sent, sent in the order it was made, idempotent (a sample's entry id is
// its Idempotency-Key; an edit states its end result, so sending it twice changes nothing), retried with
// exponential backoff and jitter on transient failures, and kept as "failed" when the server refuses it for
// good, for the user to retry or discard.
import { sha256Hex } from './checksum.ts';
import { ErrorCodes, OffgridApiError, isAbortError } from './errors.ts';
import type { EditSamplesRequest, SampleEditResult, SampleUpload } from './types.ts';
import type { RequestOptions, UploadSampleOptions } from './client.ts';

export type OutboxEntryState = 'pending' | 'failed';

interface QueuedWork {
  /** Random UUID; for samples also the `Idempotency-Key`: a retried upload is never stored twice. */
  id: string;
  projectId: string;
  createdAt: string;
  state: OutboxEntryState;
  attempts: number;
  /** Epoch ms before which this entry is not retried (backoff). */
  nextAttemptAt: number;
  lastError?: string;
  lastErrorCode?: string;
}

/** A captured sample waiting to be uploaded (`kind` is absent in entries stored by older app versions). */
export interface SampleEntry extends QueuedWork {
  kind?: 'sample';
  label: string;
  contentType: string;
  data: Uint8Array;
  /** Hex SHA-256 of `data`, taken when it was captured; sent as `X-Checksum-Sha256` (absent in older entries). */
  sha256?: string;
}

/** An edit of stored samples made on the phone, possibly offline. */
export interface EditEntry extends QueuedWork {
  kind: 'edit';
  edit: EditSamplesRequest;
}

export type OutboxEntry = SampleEntry | EditEntry;

export function isEditEntry(entry: OutboxEntry): entry is EditEntry {
  return entry.kind === 'edit';
}

/** Where entries live between sessions (IndexedDB in the app, memory in tests). */
export interface OutboxStore {
  put(entry: OutboxEntry): Promise<void>;
  delete(id: string): Promise<void>;
  list(): Promise<OutboxEntry[]>;
}

/** The part of `OffgridClient` the outbox needs. */
export interface OutboxServer {
  uploadSample(projectId: string, label: string, image: Blob | Uint8Array, options?: UploadSampleOptions): Promise<SampleUpload>;
  editSamples(projectId: string, edit: EditSamplesRequest, options?: RequestOptions): Promise<SampleEditResult>;
}

export interface OutboxCounts {
  /** Samples not yet uploaded. */
  pending: number;
  /** Samples and edits the server refused for good. */
  failed: number;
  /** Edits not yet sent. */
  pendingEdits: number;
}

export interface OutboxSnapshot extends OutboxCounts {
  /** An upload is in flight. */
  uploading: boolean;
  /** Why uploads are paused (e.g. "battery"), if they are. */
  pausedBy: string[];
  /** Epoch ms of the next automatic retry, when waiting after a failure. */
  retryAt: number | undefined;
  lastError: string | undefined;
  /** Per project and label: samples not yet uploaded. */
  pendingByLabel: Record<string, Record<string, number>>;
}

export type OutboxEvent =
  | { type: 'change'; snapshot: OutboxSnapshot }
  | { type: 'uploaded'; entry: SampleEntry; result: SampleUpload }
  | { type: 'edited'; entry: EditEntry; result: SampleEditResult };

export interface OutboxOptions {
  uploader: OutboxServer;
  store: OutboxStore;
  /**
   * Gzip bodies (`Content-Encoding: gzip`). Default false. Decided again at run time: when a gzipped upload is
   * refused as an unsupported encoding (415) or unreadable image (an older server that does not inflate bodies),
   * the outbox stops compressing for the rest of the session and resends that sample as it is.
   */
  gzip?: boolean;
  /** Times a sample the server received corrupt (`OFFGRID_ERR_CHECKSUM_MISMATCH`) is resent before it is marked failed. Default 3. */
  checksumRetries?: number;
  /** First retry delay; doubles per attempt up to `maxDelayMs`. Defaults 1 s and 60 s. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Runs a drain exclusively across tabs (the app passes Web Locks). Default: runs it directly. */
  exclusive?: <T>(work: () => Promise<T>) => Promise<T>;
  now?: () => number;
  random?: () => number;
  randomId?: () => string;
}

export interface NewSample {
  projectId: string;
  label: string;
  data: Blob | Uint8Array;
  contentType?: string;
}

const DEFAULTS = { baseDelayMs: 1000, maxDelayMs: 60_000, checksumRetries: 3 };

/** Delay before retry number `attempts` (1-based): exponential, capped, with "equal jitter" (half fixed, half random). */
export function backoffDelay(attempts: number, baseDelayMs: number, maxDelayMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export class Outbox {
  private readonly options: OutboxOptions & typeof DEFAULTS;
  private readonly entries = new Map<string, OutboxEntry>();
  private readonly listeners = new Set<(event: OutboxEvent) => void>();
  private readonly pauses = new Set<string>();
  private loaded: Promise<void> | undefined;
  private draining: Promise<void> | undefined;
  private drainAgain = false;
  private forceNext = false;
  private uploading = false;
  private retryAt: number | undefined;
  private lastError: string | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private gzipping: boolean;
  private lastCreatedAt = 0;

  constructor(options: OutboxOptions) {
    this.options = { ...DEFAULTS, ...options };
    this.gzipping = options.gzip ?? false;
  }

  /** Whether uploads are gzipped now (false once the server refused a compressed body). */
  get gzip(): boolean {
    return this.gzipping;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Loads what earlier sessions left and starts uploading it. */
  start(): Promise<void> {
    this.stopped = false;
    this.loaded ??= this.options.store.list().then((entries) => {
      for (const entry of entries) this.entries.set(entry.id, entry);
      this.emitChange();
    });
    return this.loaded.then(() => this.flush());
  }

  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  /** Stores the sample first (it survives reloads and crashes), then tries to upload it. */
  async add(sample: NewSample): Promise<SampleEntry> {
    await this.loaded;
    const data = sample.data instanceof Uint8Array ? sample.data : new Uint8Array(await sample.data.arrayBuffer());
    const contentType = sample.contentType ?? (sample.data instanceof Blob && sample.data.type ? sample.data.type : 'image/jpeg');
    return this.enqueue({ ...this.newWork(sample.projectId), kind: 'sample', label: sample.label, contentType, data, sha256: await sha256Hex(data) });
  }

  /** Stores an edit of stored samples, then sends it after everything queued before it. */
  async addEdit(projectId: string, edit: EditSamplesRequest): Promise<EditEntry> {
    await this.loaded;
    return this.enqueue({ ...this.newWork(projectId), kind: 'edit', edit: structuredClone(edit) });
  }

  private newWork(projectId: string): QueuedWork {
    const id = (this.options.randomId ?? (() => crypto.randomUUID()))();
    // Strictly increasing, so two entries made in the same millisecond keep the order they were made in.
    const latest = Math.max(this.lastCreatedAt, ...[...this.entries.values()].map((e) => Date.parse(e.createdAt)));
    this.lastCreatedAt = Math.max(this.now(), latest + 1);
    return { id, projectId, createdAt: new Date(this.lastCreatedAt).toISOString(), state: 'pending', attempts: 0, nextAttemptAt: 0 };
  }

  private async enqueue<T extends OutboxEntry>(entry: T): Promise<T> {
    await this.options.store.put(entry);
    this.entries.set(entry.id, entry);
    this.emitChange();
    void this.flush();
    return entry;
  }

  /**
   * Uploads every due entry, one at a time, oldest first. `force` ignores backoff (the server just came back,
   * or the user asked). Resolves when this round is over; never rejects.
   */
  flush(options: { force?: boolean } = {}): Promise<void> {
    if (options.force) {
      this.retryAt = undefined;
      this.forceNext = true;
    }
    if (this.draining) {
      this.drainAgain = true;
      return this.draining;
    }
    const run = async () => {
      do {
        this.drainAgain = false;
        const force = this.forceNext;
        this.forceNext = false;
        await this.drainOnce(force);
      } while (this.drainAgain && this.canUpload());
    };
    const exclusive = this.options.exclusive ?? ((work) => work());
    this.draining = exclusive(run)
      .catch((error: unknown) => {
        this.lastError = error instanceof Error ? error.message : String(error);
      })
      .finally(() => {
        this.draining = undefined;
        this.scheduleNext();
        this.emitChange();
      });
    return this.draining;
  }

  /** Pauses automatic and manual uploads for a reason ("battery", "user"); entries keep accumulating. */
  pause(reason: string): void {
    this.pauses.add(reason);
    this.clearTimer();
    this.emitChange();
  }

  resume(reason: string): void {
    if (!this.pauses.delete(reason)) return;
    this.emitChange();
    void this.flush();
  }

  /** Puts entries the server refused back in the queue (e.g. after fixing a label or re-pairing). */
  async retryFailed(): Promise<void> {
    for (const entry of this.entries.values()) {
      if (entry.state !== 'failed') continue;
      const next: OutboxEntry = { ...entry, state: 'pending', attempts: 0, nextAttemptAt: 0 };
      await this.options.store.put(next);
      this.entries.set(next.id, next);
    }
    this.emitChange();
    await this.flush({ force: true });
  }

  /** Drops refused entries for good: all of them, or those `which` picks (e.g. one project's edits). */
  async discardFailed(which: (entry: OutboxEntry) => boolean = () => true): Promise<void> {
    for (const entry of [...this.entries.values()]) {
      if (entry.state !== 'failed' || !which(entry)) continue;
      await this.options.store.delete(entry.id);
      this.entries.delete(entry.id);
    }
    this.emitChange();
  }

  list(): OutboxEntry[] {
    return [...this.entries.values()].sort(byCreation);
  }

  snapshot(): OutboxSnapshot {
    let pending = 0;
    let failed = 0;
    let pendingEdits = 0;
    const pendingByLabel: Record<string, Record<string, number>> = {};
    for (const entry of this.entries.values()) {
      if (entry.state === 'failed') {
        failed++;
        continue;
      }
      if (isEditEntry(entry)) {
        pendingEdits++;
        continue;
      }
      pending++;
      const labels = (pendingByLabel[entry.projectId] ??= {});
      labels[entry.label] = (labels[entry.label] ?? 0) + 1;
    }
    return { pending, failed, pendingEdits, uploading: this.uploading, pausedBy: [...this.pauses], retryAt: this.retryAt, lastError: this.lastError, pendingByLabel };
  }

  subscribe(listener: (event: OutboxEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private canUpload(): boolean {
    return !this.stopped && this.pauses.size === 0;
  }

  private async drainOnce(force: boolean): Promise<void> {
    await this.loaded;
    // Another tab may have uploaded (or added) entries: the store is the truth.
    const stored = await this.options.store.list();
    this.entries.clear();
    for (const entry of stored) this.entries.set(entry.id, entry);
    // In order, stopping at the first entry still backing off: an edit must not overtake what was queued before it.
    const queue = stored.filter((e) => e.state === 'pending').sort(byCreation);
    for (const entry of queue) {
      if (!this.canUpload()) return;
      if (!force && (entry.nextAttemptAt > this.now() || (this.retryAt !== undefined && this.retryAt > this.now()))) return;
      if (!(await this.uploadOne(entry))) return; // transient failure: the server is likely away, stop this round
    }
  }

  /** False when the upload failed in a way worth retrying later. */
  private async uploadOne(entry: OutboxEntry): Promise<boolean> {
    this.uploading = true;
    this.emitChange();
    try {
      const event: OutboxEvent = isEditEntry(entry)
        ? { type: 'edited', entry, result: await this.options.uploader.editSamples(entry.projectId, entry.edit) }
        : { type: 'uploaded', entry, result: await this.uploadSample(entry) };
      await this.options.store.delete(entry.id);
      this.entries.delete(entry.id);
      this.retryAt = undefined;
      this.lastError = undefined;
      this.emit(event);
      return true;
    } catch (error) {
      if (isAbortError(error)) return false;
      const apiError = error instanceof OffgridApiError ? error : undefined;
      const attempts = entry.attempts + 1;
      // Corrupted on the way: worth sending again a few times; the stored bytes still hash to the captured sha256.
      const corrupted = apiError?.code === ErrorCodes.CHECKSUM_MISMATCH && attempts <= this.options.checksumRetries;
      const transient = apiError ? apiError.transient || corrupted : true;
      const message = error instanceof Error ? error.message : String(error);
      this.lastError = message;
      let next: OutboxEntry;
      if (transient) {
        const serverDelay = (apiError?.retryAfterSeconds ?? 0) * 1000;
        const delay = Math.max(serverDelay, backoffDelay(attempts, this.options.baseDelayMs, this.options.maxDelayMs, this.options.random));
        next = { ...entry, attempts, nextAttemptAt: this.now() + delay, lastError: message, lastErrorCode: apiError?.code };
        this.retryAt = next.nextAttemptAt;
      } else {
        next = { ...entry, attempts, state: 'failed', lastError: message, lastErrorCode: apiError?.code };
      }
      await this.options.store.put(next);
      this.entries.set(next.id, next);
      return !transient;
    } finally {
      this.uploading = false;
      this.emitChange();
    }
  }

  private async uploadSample(entry: SampleEntry): Promise<SampleUpload> {
    const sha256 = entry.sha256 ?? (await sha256Hex(entry.data));
    const send = (gzip: boolean) =>
      this.options.uploader.uploadSample(entry.projectId, entry.label, entry.data, { idempotencyKey: entry.id, contentType: entry.contentType, gzip, sha256 });
    try {
      return await send(this.gzipping);
    } catch (error) {
      if (!this.gzipping || !refusesGzip(error)) throw error;
      this.gzipping = false; // this server does not inflate request bodies: send as is from now on
      return await send(false);
    }
  }

  private scheduleNext(): void {
    this.clearTimer();
    if (!this.canUpload()) return;
    // The queue moves in order, so the next round is due when its first entry is.
    const head = [...this.entries.values()].filter((e) => e.state === 'pending').sort(byCreation)[0];
    if (!head) return;
    const delay = Math.max(0, Math.max(head.nextAttemptAt, this.retryAt ?? 0) - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delay);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private emitChange(): void {
    this.emit({ type: 'change', snapshot: this.snapshot() });
  }

  private emit(event: OutboxEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        console.error('Outbox listener failed:', error);
      }
    }
  }
}

function refusesGzip(error: unknown): boolean {
  return error instanceof OffgridApiError && (error.code === ErrorCodes.UNSUPPORTED_MEDIA_TYPE || error.code === ErrorCodes.BAD_IMAGE);
}

function byCreation(a: OutboxEntry, b: OutboxEntry): number {
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1;
}

/** Keeps entries in memory: for tests, and for hosts without durable storage (then nothing survives a restart). */
export class MemoryOutboxStore implements OutboxStore {
  readonly entries = new Map<string, OutboxEntry>();

  async put(entry: OutboxEntry): Promise<void> {
    this.entries.set(entry.id, structuredClone(entry));
  }

  async delete(id: string): Promise<void> {
    this.entries.delete(id);
  }

  async list(): Promise<OutboxEntry[]> {
    return [...this.entries.values()].map((entry) => structuredClone(entry));
  }
}
