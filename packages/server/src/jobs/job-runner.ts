import { EventEmitter } from 'node:events';
import { DEFAULT_IMAGE_SPEC, preprocessImage } from '@offgrid/features';
import type { trainImageClassifierInWorker } from '@offgrid/engine';
import type { BlobStore } from '../storage/blob-store.ts';
import type { ModelStore } from '../models/model-store.ts';
import type { SampleStore } from '../samples/sample-store.ts';
import { decodeImage } from '@offgrid/engine/data';
import { FINAL_STATUSES, type Job, type JobProgress, type JobStore } from './job-store.ts';

export type ImageTrainer = typeof trainImageClassifierInWorker;

/** Progress is streamed on every event but written to SQLite at most this often. */
const PERSIST_INTERVAL_MS = 500;

/**
 * Runs queued training jobs one at a time (training owns one core through its worker thread; the other
 * keeps the API responsive). Every state change is persisted and emitted as a 'job' event for live streams.
 */
export class JobRunner extends EventEmitter<{ job: [Job]; closing: [] }> {
  private running?: { jobId: string; abort: AbortController };
  private idle: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly jobs: JobStore,
    private readonly samples: SampleStore,
    private readonly models: ModelStore,
    private readonly blobs: BlobStore,
    private readonly trainer?: ImageTrainer,
  ) {
    super();
  }

  /** Re-queues what a crash interrupted and starts working through the queue. */
  start(): void {
    this.jobs.requeueInterrupted();
    this.kick();
  }

  kick(): void {
    if (this.running || this.stopped) return;
    const next = this.jobs.nextQueued();
    if (!next) return;
    const abort = new AbortController();
    this.running = { jobId: next.id, abort };
    this.idle = this.run(next, abort.signal).finally(() => {
      this.running = undefined;
      this.kick();
    });
  }

  cancel(jobId: string): Job {
    const job = this.jobs.get(jobId);
    if (FINAL_STATUSES.includes(job.status)) return job;
    if (this.running?.jobId === jobId) {
      this.running.abort.abort();
      return job;
    }
    return this.publish(this.jobs.update(jobId, { status: 'cancelled' }));
  }

  /** Stops taking new jobs and aborts the running one, which stays 'running' in the database and is resumed on the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    const current = this.running;
    if (current) {
      current.abort.abort(new Error('server shutting down'));
      await this.idle;
    }
  }

  private publish(job: Job): Job {
    this.emit('job', job);
    return job;
  }

  private async run(job: Job, signal: AbortSignal): Promise<void> {
    let lastPersist = 0;
    let latest: JobProgress = { phase: 'preparing', epoch: 0, epochs: job.request.epochs ?? 0, fraction: 0 };
    const report = (progress: JobProgress, force = false) => {
      latest = progress;
      const now = Date.now();
      if (force || now - lastPersist >= PERSIST_INTERVAL_MS) {
        lastPersist = now;
        this.publish(this.jobs.update(job.id, { status: 'running', progress }));
      } else {
        this.publish({ ...this.jobs.get(job.id), status: 'running', progress });
      }
    };
    try {
      report(latest, true);
      const { labels, sampleIds } = this.jobs.snapshot(job.datasetId);
      const dataset = this.samples.listByIds(sampleIds);
      const images: Float32Array[] = [];
      const targets: number[] = [];
      for (const sample of dataset) {
        images.push(preprocessImage(await decodeImage(await this.blobs.get(sample.sha256)), DEFAULT_IMAGE_SPEC));
        targets.push(labels.indexOf(sample.label));
        if (signal.aborted) break;
      }
      // Cancelled or shutting down while the images were decoded: do not start training at all.
      signal.throwIfAborted();
      // Loaded on first use: the server starts fast and never loads TF.js on its main thread.
      const train = this.trainer ?? (await import('@offgrid/engine')).trainImageClassifierInWorker;
      const result = await train(
        {
          inputShape: [DEFAULT_IMAGE_SPEC.height, DEFAULT_IMAGE_SPEC.width, 3], labels, images, targets,
          budgetSeconds: job.request.budgetSeconds, epochs: job.request.epochs, batchSize: job.request.batchSize,
          validationSplit: job.request.validationSplit,
        },
        { onProgress: (progress) => report(progress), signal },
      );
      const files = { float32: result.tflite, int8: result.int8, float16: result.float16 } as const;
      const variants = Object.keys(files) as (keyof typeof files)[];
      const model = await this.blobs.putAllThen(variants.map((v) => files[v]), (sha256s) => this.models.register({
        projectId: job.projectId, jobId: job.id, datasetId: job.datasetId, labels,
        input: { width: DEFAULT_IMAGE_SPEC.width, height: DEFAULT_IMAGE_SPEC.height, channels: 3, dtype: 'float32', mean: DEFAULT_IMAGE_SPEC.mean, std: DEFAULT_IMAGE_SPEC.std },
        metrics: result.metrics,
        artifacts: variants.map((variant, i) => ({ variant, sha256: sha256s[i], sizeBytes: files[variant].byteLength })),
      }));
      const done: JobProgress = { ...latest, phase: 'done', epoch: result.epochs, fraction: 1, etaSeconds: 0 };
      this.publish(this.jobs.update(job.id, { status: 'succeeded', progress: done, modelId: model.id }));
    } catch (error) {
      if (this.stopped) return; // left 'running' on purpose: resumed on restart
      const status = signal.aborted ? 'cancelled' : 'failed';
      this.publish(this.jobs.update(job.id, { status, ...(status === 'failed' ? { error: (error as Error).message } : {}) }));
    }
  }
}
