import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent, fetch, type Response } from 'undici';
import type { TrialProgress, TrialResult } from '@offgrid/engine';
import type { Checkpoint, WorkerInfo } from './trial-board.ts';
import { resultToWire, sha256Of } from './trial-wire.ts';
import type { WorkerLink } from './worker-link.ts';

export interface HttpLinkOptions {
  /** The coordinator's base URL, e.g. https://192.168.1.10:8000. */
  server: string;
  /** A worker key (`offgrid keys create --scope worker`). */
  key: string;
  /** The coordinator's CA certificate (PEM): its data folder's tls/ca.crt, or /ca.crt of the server. */
  ca?: string;
  /** Trial inputs are kept here by sha256, so a worker downloads each once. */
  cacheDir: string;
  /** This machine's name, shown on the coordinator. */
  worker: string;
  /** Called when the coordinator refuses the key (revoked) or the role: a worker that cannot deliver must stop pulling trials. */
  onRefused?: (error: WorkerRefusedError) => void;
}

/** A refusal the worker cannot retry its way out of (a revoked key, a server that is no coordinator). */
export class WorkerRefusedError extends Error {
  override name = 'WorkerRefusedError';
}

/** The worker's side of the worker routes, over HTTPS with its key. */
export class HttpWorkerLink implements WorkerLink {
  private readonly dispatcher?: Agent;

  constructor(private readonly options: HttpLinkOptions) {
    // undici's own Agent: the only way to give fetch a CA of our choosing (the coordinator's own authority).
    if (options.ca) this.dispatcher = new Agent({ connect: { ca: options.ca } });
  }

  /** Removes cached inputs unused for `maxAgeMs` (and partial downloads a crash left); returns how many went. */
  async pruneCache(maxAgeMs: number, now = Date.now()): Promise<number> {
    const names = await readdir(this.options.cacheDir).catch(() => [] as string[]);
    let removed = 0;
    for (const name of names) {
      const path = join(this.options.cacheDir, name);
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile() || (!name.endsWith('.partial') && now - info.mtimeMs < maxAgeMs)) continue;
      await rm(path, { force: true });
      removed++;
    }
    return removed;
  }

  /** The queue's connection as the coordinator hands it out: the Redis password is never typed on a worker. */
  async queue(): Promise<{ redisUrl: string; queueName: string }> {
    return (await this.call('GET', '/worker/queue')).json() as Promise<{ redisUrl: string; queueName: string }>;
  }

  async input(sha256: string): Promise<Uint8Array> {
    const cached = join(this.options.cacheDir, sha256);
    const kept = await readFile(cached).catch(() => undefined);
    // The cache is checked like a download: a torn or tampered file is fetched again.
    if (kept && sha256Of(kept) === sha256) {
      // Marks it used, for pruneCache.
      const now = new Date();
      await utimes(cached, now, now).catch(() => undefined);
      return new Uint8Array(kept);
    }
    const bytes = new Uint8Array(await (await this.call('GET', `/worker/inputs/${sha256}`)).arrayBuffer());
    const actual = sha256Of(bytes);
    if (actual !== sha256) throw new Error(`The trial input downloaded from ${this.options.server} has sha256 ${actual}, not ${sha256}: it was corrupted on the way; the job will be retried.`);
    await mkdir(this.options.cacheDir, { recursive: true });
    const partial = `${cached}.${process.pid}.partial`;
    await writeFile(partial, bytes);
    await rename(partial, cached);
    return bytes;
  }

  async checkpointOf(trialId: string): Promise<Checkpoint | undefined> {
    const response = await this.call('GET', `/worker/trials/${trialId}/checkpoint`);
    if (response.status === 204) return undefined;
    const epoch = Number(response.headers.get('x-offgrid-epoch'));
    const optimizerStep = Number(response.headers.get('x-offgrid-optimizer-step'));
    return { epoch, optimizerStep, bytes: new Uint8Array(await response.arrayBuffer()) };
  }

  async progress(trialId: string, progress: TrialProgress): Promise<boolean> {
    return this.wanted(await this.call('POST', `/worker/trials/${trialId}/progress`, { json: { worker: this.options.worker, progress } }));
  }

  async checkpoint(trialId: string, checkpoint: Checkpoint): Promise<boolean> {
    const query = `epoch=${checkpoint.epoch}&optimizerStep=${checkpoint.optimizerStep}`;
    return this.wanted(await this.call('PUT', `/worker/trials/${trialId}/checkpoint?${query}`, { bytes: checkpoint.bytes }));
  }

  async result(trialId: string, result: TrialResult): Promise<void> {
    await this.call('POST', `/worker/trials/${trialId}/result`, { json: { worker: this.options.worker, result: resultToWire(result) } });
  }

  async failure(trialId: string, message: string): Promise<void> {
    await this.call('POST', `/worker/trials/${trialId}/failure`, { json: { worker: this.options.worker, message } });
  }

  async heartbeat(info: Omit<WorkerInfo, 'lastHeartbeatAt'>): Promise<void> {
    await this.call('POST', '/worker/heartbeat', { json: info });
  }

  async close(): Promise<void> {
    await this.dispatcher?.close();
  }

  private async wanted(response: Response): Promise<boolean> {
    return ((await response.json()) as { wanted: boolean }).wanted;
  }

  private async call(method: string, path: string, body?: { json?: unknown; bytes?: Uint8Array }): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.key}` };
    let payload: string | Uint8Array | undefined;
    if (body?.json !== undefined) { headers['content-type'] = 'application/json'; payload = JSON.stringify(body.json); }
    if (body?.bytes) { headers['content-type'] = 'application/octet-stream'; payload = body.bytes; }
    const response = await fetch(`${this.options.server}/api/v1${path}`, { method, headers, body: payload, ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}) });
    if (response.ok) return response;
    const text = await response.text();
    const message = `${method} ${path}: ${response.status} ${text.slice(0, 300)}`;
    if (response.status === 401 || response.status === 403 || response.status === 409) {
      const refused = new WorkerRefusedError(message);
      this.options.onRefused?.(refused);
      throw refused;
    }
    throw new Error(message);
  }
}
