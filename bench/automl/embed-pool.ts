/**
 * Embedding on both cores: `workers` threads (embed-worker.ts), each with its own wasm backend and its own copy of
 * the frozen backbone; `embed` hands a chunk of images to the next idle worker. The engine's `embedSamples` runs in
 * the calling thread only, so this is how a bench uses two cores for it.
 */
import { Worker } from 'node:worker_threads';

export interface EmbedRequest { id: number; x: Float32Array; shape: number[]; count: number }
export type EmbedReply = { type: 'ready' } | { type: 'embedded'; id: number; x: Float32Array } | { type: 'error'; id: number; message: string };

const BOOTSTRAP = new URL('../../packages/engine/src/worker/bootstrap.mjs', import.meta.url);
const ENTRY = new URL('./embed-worker.ts', import.meta.url).href;

interface Job { request: EmbedRequest; resolve: (x: Float32Array) => void; reject: (error: Error) => void }

export class EmbedPool {
  private readonly idle: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly running = new Map<number, { job: Job; worker: Worker }>();
  private nextId = 0;

  private constructor(private readonly workers: Worker[]) {}

  /** Starts the workers and waits until each has loaded the backbone. */
  static async start(count: number): Promise<EmbedPool> {
    const workers = Array.from({ length: count }, (_, i) => new Worker(BOOTSTRAP, { workerData: { entry: ENTRY }, name: `embed-${i}` }));
    const pool = new EmbedPool(workers);
    await Promise.all(workers.map((worker) => new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', (reply: EmbedReply) => (reply.type === 'ready' ? resolve() : reject(new Error(`Embedding worker did not start: ${JSON.stringify(reply)}`))));
    })));
    for (const worker of workers) {
      worker.on('message', (reply: EmbedReply) => pool.finished(worker, reply));
      worker.on('error', (error) => pool.failAll(new Error(`Embedding worker crashed: ${error.message}`, { cause: error })));
      pool.idle.push(worker);
    }
    return pool;
  }

  /** Embeddings (`count` × feature size) of `count` images of `shape`, laid out one after another in `x`. */
  embed(x: Float32Array, shape: number[], count: number): Promise<Float32Array> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request: { id: this.nextId++, x, shape, count }, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const [worker, job] = [this.idle.pop()!, this.queue.shift()!];
      this.running.set(job.request.id, { job, worker });
      worker.postMessage(job.request, [job.request.x.buffer as ArrayBuffer]);
    }
  }

  private finished(worker: Worker, reply: EmbedReply): void {
    if (reply.type === 'ready') return;
    const entry = this.running.get(reply.id);
    if (!entry) return;
    this.running.delete(reply.id);
    this.idle.push(worker);
    if (reply.type === 'embedded') entry.job.resolve(reply.x);
    else entry.job.reject(new Error(`Embedding failed in a worker: ${reply.message}`));
    this.dispatch();
  }

  private failAll(error: Error): void {
    for (const { job } of this.running.values()) job.reject(error);
    for (const job of this.queue.splice(0)) job.reject(error);
    this.running.clear();
  }
}
