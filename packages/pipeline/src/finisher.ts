/**
 * Quantizing, packaging and testing a model take seconds of CPU (measured at load 7: 3–4 s to calibrate and write a
 * small CNN's int8 file, 0.5–1 s to run both files on 100 test samples). In the server the pipeline shares the API's
 * event loop, so a job's last phase would stall uploads, progress streams and health checks. The finisher does that
 * work on one worker thread of its own, started on first use and kept for the run (the int8 objective measures every
 * trial's int8 file), then closed.
 */
import { Worker } from 'node:worker_threads';
import { WORKER_BOOTSTRAP_URL } from '@offgrid/engine';
import type { LoadedDataset } from '@offgrid/engine/data';
import type { ModelFiles, TestEvaluation } from './model-files.ts';
import type { ImageSpec } from '@offgrid/features';
import type { MotionFeatures } from './report.ts';
import type { TransferPackage } from './transfer.ts';

type EvaluationData = Pick<LoadedDataset, 'x' | 'targets' | 'labels'>;

/** Each operation's request (without its id) and result. */
export interface FinisherOps {
  package: { request: { float32: Uint8Array; dataset: LoadedDataset; representative: Float32Array[]; name: string; features: MotionFeatures }; result: ModelFiles };
  evaluate: { request: { files: Pick<ModelFiles, 'float32' | 'int8'>; data: EvaluationData; indices: number[] }; result: TestEvaluation };
  packageTransfer: { request: { transfer: TransferPackage }; result: ModelFiles };
  backboneInputs: { request: { images: Uint8Array[]; spec: ImageSpec }; result: Float32Array };
}
export type FinisherRequest = { [Op in keyof FinisherOps]: FinisherOps[Op]['request'] & { id: number; op: Op } }[keyof FinisherOps];
export type FinisherReply = { id: number; result: FinisherOps[keyof FinisherOps]['result']; error?: undefined } | { id: number; error: { name: string; message: string; stack?: string } };

/** A dataset's description without its samples: what a packaging step needs to write the metadata. */
function withoutSamples(dataset: LoadedDataset): LoadedDataset {
  const { x: _x, sources: _sources, groups: _groups, ...described } = dataset;
  return { ...described, x: new Float32Array(0), sources: [] };
}

const ENTRY = new URL('./finisher-worker.ts', import.meta.url).href;

export class ModelFinisher {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (value: never) => void; reject: (error: Error) => void }>();

  /** `packageModel` on the finisher's thread. The samples travel without the dataset's x (not needed there). */
  package(float32: Uint8Array, dataset: LoadedDataset, representative: Float32Array[], name: string, features: MotionFeatures = 'raw'): Promise<ModelFiles> {
    return this.call('package', { float32, dataset: withoutSamples(dataset), representative, name, features });
  }

  /** A transfer winner's backbone + head (`packageTransferModel`): decoding, LiteRT.js calibration of the backbone. */
  packageTransfer(transfer: TransferPackage): Promise<ModelFiles> {
    return this.call('packageTransfer', { transfer: { ...transfer, dataset: withoutSamples(transfer.dataset) } });
  }

  /** Image files decoded and preprocessed for a backbone (`backboneInputs`). */
  backboneInputs(images: Uint8Array[], spec: ImageSpec): Promise<Float32Array> {
    return this.call('backboneInputs', { images, spec });
  }

  /** `evaluateOnTest` on the finisher's thread; only the test samples travel. */
  evaluate(files: Pick<ModelFiles, 'float32' | 'int8'>, data: EvaluationData, indices: number[]): Promise<TestEvaluation> {
    const size = data.x.length / Math.max(1, data.targets.length);
    const x = new Float32Array(indices.length * size);
    indices.forEach((index, i) => x.set(data.x.subarray(index * size, (index + 1) * size), i * size));
    const targets = Int32Array.from(indices, (index) => data.targets[index]);
    return this.call('evaluate', { files: { float32: files.float32, int8: files.int8 }, data: { x, targets, labels: data.labels }, indices: indices.map((_, i) => i) });
  }

  /** Ends the thread (a later call starts another). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private call<Op extends keyof FinisherOps>(op: Op, request: FinisherOps[Op]['request']): Promise<FinisherOps[Op]['result']> {
    const id = this.nextId++;
    const worker = this.start();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: never) => void, reject });
      worker.postMessage({ ...request, op, id });
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_BOOTSTRAP_URL, { workerData: { entry: ENTRY }, name: 'offgrid-finisher' });
    worker.on('message', (reply: FinisherReply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (reply.error) {
        const error = new Error(reply.error.message);
        Object.assign(error, { name: reply.error.name, stack: reply.error.stack ?? error.stack });
        waiting.reject(error);
      } else {
        waiting.resolve(reply.result as never);
      }
    });
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
    worker.on('error', (error) => fail(new Error(`The model finisher's thread crashed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => fail(new Error(`The model finisher's thread exited (code ${code}) before answering.`)));
    this.worker = worker;
    return worker;
  }
}
