import { EventEmitter } from 'node:events';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrialExecutor } from '@offgrid/engine';
import type { AcceleratorChoice } from '@offgrid/engine/accelerator';
import { trainingFailureCode } from '@offgrid/engine/failure';
import type { LoadedDataset } from '@offgrid/engine/data';
import type { TrainReport, trainPipeline, TransferOptions } from '@offgrid/pipeline';
// Entry points without TF.js: the server loads the search itself only when a job runs.
import { SearchProgressTracker } from '@offgrid/pipeline/progress';
import { headParts } from '../federated/model-parts.ts';
import { renderReportHtml } from '@offgrid/pipeline/report-html';
import type { BlobStore } from '../storage/blob-store.ts';
import type { AnomalyMetrics, ArtifactVariant, ModelInput, ModelMetrics, ModelStore } from '../models/model-store.ts';
import type { Project, ProjectStore } from '../projects/project-store.ts';
import { buildDataset } from '../datasets/index.ts';
import type { Sample, SampleStore } from '../samples/sample-store.ts';
import { FINAL_STATUSES, type Job, type JobProgress, type JobStore, type TrainRequest } from './job-store.ts';

/** The search a job runs: `@offgrid/pipeline`'s trainPipeline unless a test swaps it. */
export type SearchPipeline = typeof trainPipeline;

export interface JobRunnerOptions {
  jobs: JobStore;
  samples: SampleStore;
  models: ModelStore;
  blobs: BlobStore;
  projects: ProjectStore;
  /** Each job searches in `<workRoot>/<jobId>` (search.db + checkpoints), which is what lets it resume after a crash. */
  workRoot: string;
  /** Trials in parallel, one worker thread (one core) each. */
  concurrency: number;
  pipeline?: SearchPipeline;
  /** Where trials train (default: worker threads here); a coordinator's queue when `--queue` is set. */
  executor?: TrialExecutor;
  /** What trials train on here (chosen once at start-up; default wasm); the report of each job says it. */
  accelerator?: AcceleratorChoice;
  /**
   * The server's data directory: imported backbones live in `<dataDir>/backbones`, and image embeddings are kept in
   * `<dataDir>/embeddings` (by file content), so a retrain embeds only the new photos. Without it, image jobs search
   * from-scratch families only.
   */
  dataDir?: string;
}

/** Progress is streamed on every event but written to SQLite at most this often. */
const PERSIST_INTERVAL_MS = 500;
/** Between pipeline events (a long epoch), the budget bar and ETA still move at this pace. */
const TICK_MS = 1000;

/**
 * Runs queued training jobs one at a time: each is a search (`trainPipeline`) over the job's dataset snapshot,
 * its trials in worker threads (`concurrency` of them, 1 by default so a core stays free for the API). Every
 * state change is persisted and emitted as a 'job' event for live streams.
 */
export class JobRunner extends EventEmitter<{ job: [Job]; closing: [] }> {
  private running?: { jobId: string; abort: AbortController };
  private idle: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: JobRunnerOptions) {
    super();
  }

  /** Re-queues what a crash interrupted (its work folder is kept, so the search resumes) and starts working through the queue. */
  start(): void {
    this.options.jobs.requeueInterrupted();
    this.kick();
  }

  kick(): void {
    if (this.running || this.stopped) return;
    const next = this.options.jobs.nextQueued();
    if (!next) return;
    const abort = new AbortController();
    this.running = { jobId: next.id, abort };
    this.idle = this.run(next, abort.signal).finally(() => {
      this.running = undefined;
      this.kick();
    });
  }

  /** Cancels a project's queued and running jobs; resolves once none of them runs (its rows can then go). */
  async stopProject(projectId: string): Promise<void> {
    for (const job of this.options.jobs.listForProject(projectId, { active: true, limit: 1000 })) this.cancel(job.id);
    const running = this.running;
    if (running && this.options.jobs.get(running.jobId).projectId === projectId) await this.idle;
  }

  cancel(jobId: string): Job {
    const job = this.options.jobs.get(jobId);
    if (FINAL_STATUSES.includes(job.status)) return job;
    // Stored at once, before the search unwinds: a crash meanwhile must not resume a job the user cancelled.
    const cancelled = this.publish(this.options.jobs.update(jobId, { status: 'cancelled' }));
    if (this.running?.jobId === jobId) this.running.abort.abort();
    return cancelled;
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

  /** Where a job's search lives while it runs. */
  workDirOf(jobId: string): string {
    return join(this.options.workRoot, jobId);
  }

  private publish(job: Job): Job {
    this.emit('job', job);
    return job;
  }

  private async run(job: Job, signal: AbortSignal): Promise<void> {
    const { jobs, projects } = this.options;
    const tracker = new SearchProgressTracker(job.request.budgetSeconds);
    let lastPersist = 0;
    const report = (progress: JobProgress, force = false) => {
      const now = Date.now();
      if (force || now - lastPersist >= PERSIST_INTERVAL_MS) {
        lastPersist = now;
        this.publish(force ? jobs.update(job.id, { status: 'running', progress }) : jobs.updateProgress(job.id, progress));
      } else {
        this.publish({ ...jobs.get(job.id), status: 'running', progress });
      }
    };
    const ticker = setInterval(() => report(tracker.snapshot()), TICK_MS);
    const workDir = this.workDirOf(job.id);
    try {
      report(tracker.snapshot(), true);
      const project = projects.get(job.projectId);
      const { dataset, samples } = await this.loadSnapshot(job, project, signal);
      // Cancelled or shutting down while the images were decoded: do not start the search at all.
      signal.throwIfAborted();
      // Loaded on first use: the server starts fast and never loads TF.js unless it trains.
      const pipeline = this.options.pipeline ?? (await import('@offgrid/pipeline')).trainPipeline;
      const { files, report: trainReport } = await pipeline(dataset, {
        budgetSeconds: job.request.budgetSeconds, seed: job.request.seed, concurrency: this.options.concurrency, workDir,
        name: project.name, source: `project "${project.name}", dataset snapshot ${job.datasetId}`, signal,
        task: project.task, ...(project.settings.falseAlarmRate === undefined ? {} : { falseAlarmRate: project.settings.falseAlarmRate }),
        ...searchGoals(job.request),
        ...this.transferOf(job.request, dataset, samples),
        ...(this.options.executor ? { executor: this.options.executor } : {}),
        ...(this.options.accelerator ? { accelerator: this.options.accelerator } : {}),
        onEvent: (event) => report(tracker.handle(event)),
      });
      clearInterval(ticker);
      const model = await this.register(job, dataset.labels, files, trainReport);
      const done: JobProgress = { ...tracker.done(), epoch: trainReport.winner.epochs, epochs: trainReport.winner.epochs };
      this.publish(jobs.update(job.id, { status: 'succeeded', progress: done, modelId: model.id }));
      // The report blob keeps the trial history; checkpoints of every trial are no use once the model exists.
      await rm(workDir, { recursive: true, force: true });
    } catch (error) {
      clearInterval(ticker);
      if (this.stopped) return; // left 'running' with its work folder on purpose: resumed on restart
      const status = signal.aborted ? 'cancelled' : 'failed';
      this.publish(jobs.update(job.id, { status, ...(status === 'failed' ? { failure: { code: trainingFailureCode(error), message: failureMessage(error) } } : {}) }));
      // A final job never resumes: drop checkpoints and trial models, keep a failed search's trial database (small) for diagnosis.
      const drop = status === 'failed' ? [join(workDir, 'checkpoints'), join(workDir, 'models')] : [workDir];
      for (const path of drop) await rm(path, { recursive: true, force: true });
    } finally {
      clearInterval(ticker);
    }
  }

  /** The job's immutable dataset snapshot as the pipeline's input, preprocessed exactly as the phone does. */
  private async loadSnapshot(job: Job, project: Project, signal: AbortSignal): Promise<{ dataset: LoadedDataset; samples: Sample[] }> {
    const { labels, sampleIds } = this.options.jobs.snapshot(job.datasetId);
    const samples = this.options.samples.listByIds(sampleIds);
    return { dataset: await buildDataset({ ...project, labels }, samples, (sha256) => this.options.blobs.get(sha256), { signal }), samples };
  }

  /** Image jobs: the transfer family's options — the photos as uploaded (a dataset image's source is its sample id). */
  private transferOf(request: TrainRequest, dataset: LoadedDataset, samples: Sample[]): { transfer?: TransferOptions } {
    const { dataDir } = this.options;
    if (dataset.kind !== 'image' || !dataDir || request.backbone === 'none') return {};
    const blobOf = new Map(samples.map((sample) => [sample.id, sample.sha256]));
    return {
      transfer: {
        ...(request.backbone ? { backbone: request.backbone } : {}), dataDir, cacheDir: join(dataDir, 'embeddings'),
        readImage: (index) => this.options.blobs.get(blobOf.get(dataset.sources[index])!),
      },
    };
  }

  /** Stores both .tflite files, the probe samples and the report (JSON + HTML) as blobs, then the model row that references them. */
  private async register(job: Job, labels: string[], files: { float32: Uint8Array; int8: Uint8Array; probes?: Uint8Array; holdout?: Uint8Array }, report: TrainReport) {
    const encoder = new TextEncoder();
    const artifacts: Partial<Record<ArtifactVariant, Uint8Array>> = {
      float32: files.float32,
      int8: files.int8,
      ...(files.probes ? { probes: files.probes } : {}),
      ...(files.holdout ? { holdout: files.holdout } : {}),
      report: encoder.encode(JSON.stringify(report)),
      'report-html': encoder.encode(renderReportHtml(report)),
      // Classifiers also ship what on-device learning needs (the head and each file's trunk); anomaly detectors have no head.
      ...headParts(files),
    };
    const variants = Object.keys(artifacts) as ArtifactVariant[];
    return this.options.blobs.putAllThen(variants.map((v) => artifacts[v]!), (sha256s) => this.options.models.register({
      projectId: job.projectId, jobId: job.id, datasetId: job.datasetId, labels,
      input: modelInputOf(report),
      metrics: metricsOf(report),
      artifacts: variants.map((variant, i) => ({ variant, sha256: sha256s[i], sizeBytes: artifacts[variant]!.byteLength })),
    }));
  }
}

/** Why a job failed, for `Job.error`: the pipeline's and the dataset build's messages already name what is wrong (too few samples, no "normal" data…). */
function failureMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // The worker's own prefix says where the error happened, which a user does not need twice.
  return `Training failed: ${message.replace(/^Training worker failed: /, '')}`;
}

/**
 * The model's input as the phone needs it: kind, shape, dtype and the exact preprocessing from the report. Image
 * models also carry the image fields at the top level, which phones read before `preprocessing` existed.
 */
export function modelInputOf(report: TrainReport): ModelInput {
  const { kind, shape, dtype, preprocessing } = report.input;
  // Optional in the report schema for reports from before it existed; every report this server's pipeline writes has it.
  if (!preprocessing) throw new Error('The training report has no input preprocessing: the pipeline always writes one.');
  const image = preprocessing.image;
  const legacy = image ? { width: image.width, height: image.height, channels: 3 as const, mean: image.mean, std: image.std } : {};
  return { kind, shape, dtype, preprocessing, ...legacy };
}

/** The report's headline numbers, for model lists; the full report stays one request away. */
export function metricsOf(report: TrainReport): ModelMetrics {
  const { test, anomaly } = report.metrics;
  return {
    valAccuracy: report.metrics.validation.accuracy,
    valSamples: report.split.validation,
    epochs: report.winner.epochs,
    test: {
      samples: report.split.test,
      float32: { accuracy: test.float32.accuracy, macroF1: test.float32.macroF1 },
      int8: { accuracy: test.int8.accuracy, macroF1: test.int8.macroF1 },
    },
    int8AgreementWithFloat32: report.metrics.int8AgreementWithFloat32,
    sizes: report.sizes,
    trials: report.trials.length,
    winner: { trialNumber: report.winner.trialNumber, family: report.winner.family, retrained: report.winner.retrained },
    ...(anomaly ? { anomaly: withoutHistogram(anomaly) } : {}),
  };
}

function withoutHistogram({ scoreHistogram: _histogram, ...anomaly }: NonNullable<TrainReport['metrics']['anomaly']>): AnomalyMetrics {
  return anomaly;
}

/** The request's objective and limits as the pipeline takes them (absent fields stay absent). */
function searchGoals({ objective, maxInt8Kb, maxMacs }: TrainRequest): { objective?: 'float32' | 'int8'; limits?: { maxInt8Kb?: number; maxMacs?: number } } {
  const limits = { ...(maxInt8Kb === undefined ? {} : { maxInt8Kb }), ...(maxMacs === undefined ? {} : { maxMacs }) };
  return { ...(objective ? { objective } : {}), ...(Object.keys(limits).length > 0 ? { limits } : {}) };
}
