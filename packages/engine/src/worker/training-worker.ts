// Runs inside a worker_threads Worker (started through bootstrap.mjs): trains on its own wasm
// backend, exports to TFLite and posts the bytes back. Never import this from the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { initWasmBackend } from '../backend/init-wasm.ts';
import { exportTfliteVariants } from '../export/index.ts';
import { trainImageClassifier } from '../train/trainer.ts';
import type { TrainProgress } from '../train/progress.ts';
import type { WorkerInput, WorkerMessage } from './protocol.ts';

/** Seconds kept back from training for the TFLite exports (int8 calibration of a small CNN takes ~0.6 s). */
const EXPORT_RESERVE_SECONDS = 1.5;
/** int8 calibration samples: at least MIN_CALIBRATION_SAMPLES (100), at most this many. */
const CALIBRATION_SAMPLES = 200;
/** Batch reports are throttled to this interval; epoch reports always go out. */
const BATCH_REPORT_INTERVAL_MS = 100;
/** Share of the overall fraction the training phase covers; export takes the rest. */
const TRAINING_SHARE = 0.95;

const port = parentPort;
if (!port) throw new Error('training-worker.ts must run in a worker thread; use trainImageClassifierInWorker().');

const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);
const progress = (p: TrainProgress): void => post({ type: 'progress', progress: p });

/** Copies views into shared or pooled buffers so exactly the model bytes are transferred. */
function ownedBytes(bytes: Uint8Array): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) return bytes;
  return bytes.slice();
}

async function run({ request, startedAt }: WorkerInput): Promise<void> {
  progress({ phase: 'preparing', epoch: 0, epochs: request.epochs ?? 0, fraction: 0 });
  await initWasmBackend();
  const spentSeconds = (Date.now() - startedAt) / 1000;
  let lastBatchReport = 0;
  const trained = await trainImageClassifier(
    { images: request.images, targets: request.targets },
    {
      inputShape: request.inputShape,
      numClasses: request.labels.length,
      budgetSeconds: Math.max(0.1, request.budgetSeconds - spentSeconds - EXPORT_RESERVE_SECONDS),
      epochs: request.epochs,
      batchSize: request.batchSize,
      validationSplit: request.validationSplit,
      seed: request.seed,
      onProgress: ({ event, batch: _batch, batches: _batches, learningRate: _rate, ...p }) => {
        const now = Date.now();
        if (event === 'batch' && now - lastBatchReport < BATCH_REPORT_INTERVAL_MS) return;
        lastBatchReport = now;
        progress({ ...p, fraction: p.fraction * TRAINING_SHARE });
      },
    },
  );
  const epochs = trained.epochs;
  progress({ phase: 'exporting', epoch: epochs, epochs, fraction: TRAINING_SHARE, ...finalMetrics(trained.history.at(-1)) });
  const { mean, std } = request.normalization ?? { mean: 127.5, std: 127.5 };
  const variants = await exportTfliteVariants(trained.model, {
    description: `Offgrid image classifier: ${request.labels.join(', ')}`,
    representativeData: calibrationSet(request.images),
    metadata: { name: 'Offgrid image classifier', labels: request.labels, normalization: { mean: [mean], std: [std] } },
  });
  trained.model.dispose();
  const [tflite, int8, float16] = [variants.float32, variants.int8, variants.float16].map(ownedBytes);
  progress({ phase: 'done', epoch: epochs, epochs, fraction: 1, etaSeconds: 0, ...finalMetrics(trained.history.at(-1)) });
  post({ type: 'result', result: { tflite, int8, float16, epochs, metrics: trained.metrics } }, [tflite, int8, float16].map((b) => b.buffer as ArrayBuffer));
}

/** Evenly spread training images; a small dataset repeats its images to reach the calibration minimum. */
function calibrationSet(images: Float32Array[]): Float32Array[] {
  const count = Math.max(100, Math.min(CALIBRATION_SAMPLES, images.length));
  const step = images.length / count;
  return Array.from({ length: count }, (_, i) => images[Math.floor(i * step) % images.length]);
}

function finalMetrics(last: { loss: number; accuracy: number; valLoss?: number; valAccuracy?: number } | undefined): Partial<TrainProgress> {
  return last ? { loss: last.loss, accuracy: last.accuracy, valLoss: last.valLoss, valAccuracy: last.valAccuracy } : {};
}

try {
  await run(workerData as WorkerInput);
} catch (error) {
  const e = error instanceof Error ? error : new Error(String(error));
  post({ type: 'error', name: e.name, message: e.message, stack: e.stack });
}
