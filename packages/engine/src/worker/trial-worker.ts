// Runs inside a worker_threads Worker (through bootstrap.mjs): one trial of one model family on
// its own wasm backend, then the TFLite export. Started with a trial in workerData it trains that one; started
// `pooled` (TrialPool) it trains the trials posted to it, one after the other, on the backend it started once.
// Never import this from the main thread.
import { parentPort, threadId, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { WEBGPU_FAILURE } from '../accelerator/fallback.ts';
import { codeOf } from './run-worker.ts';
import { watchGpu, type GpuWatch } from '../accelerator/gpu-watch.ts';
import { initWebGpuBackend } from '../accelerator/webgpu.ts';
import { initWasmBackend } from '../backend/init-wasm.ts';
import { classificationReport, type ClassificationReport } from '../eval/metrics.ts';
import { createAdam } from '../train/adam.ts';
import { exportTflite } from '../export/export-tflite.ts';
import { getFamily } from '../families/registry.ts';
import { trainingOptionsFromConfig } from '../families/training-space.ts';
import { predictSamples, sampleSize, type TrainingData } from '../train/data.ts';
import { hasAugmentation } from '../train/augment.ts';
import { crossValidate } from '../train/cross-validate.ts';
import { batchGradients, fit, FIT_DEFAULTS, type FitResult } from '../train/fit.ts';
import { GradientPairLeader, followGradientPair } from '../train/gradient-pair.ts';
import { reseedDropout } from '../train/dropout.ts';
import { createRandom } from '../util/random.ts';
import type { TrainerProgress } from '../train/progress.ts';
import type { TrialProgress, TrialRequest, TrialResult, TrialWorkerCommand, TrialWorkerInput, TrialWorkerMessage, TrialWorkerPoolInput } from './trial-protocol.ts';

const EXPORT_RESERVE_SECONDS = 0.5;
const BATCH_REPORT_INTERVAL_MS = 100;
const TRAINING_SHARE = 0.95;

const port = parentPort;
if (!port) throw new Error('trial-worker.ts must run in a worker thread; use trainInWorker().');
const post = (message: TrialWorkerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);
// A 'stop' message ends training at the next batch (runWorker's graceful stop, used for WebGPU trials: terminating a
// thread while Dawn works in it aborts the whole process). One controller per trial: a pooled worker trains many.
let stop = new AbortController();
const progress = (p: TrialProgress): void => post({ type: 'progress', progress: p });
/** Set on a WebGPU trial: a GPU failure stops training and is reported as such (the caller retrains on wasm). */
let gpu: GpuWatch | undefined;
/** Trials this thread has trained (a pooled worker reports it, so callers can see a worker was reused). */
let trialsTrained = 0;

/** Resizes image samples to `[h, w, c]` (bilinear, like tf.image.resizeBilinear on the phone side). */
function resizeImages(data: TrainingData, target: number[]): TrainingData {
  const [h, w] = target;
  const count = data.targets.length;
  const x = new Float32Array(count * sampleSize(target));
  const size = sampleSize(data.shape);
  for (let start = 0; start < count; start += 256) {
    const n = Math.min(256, count - start);
    const out = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(data.x.subarray(start * size, (start + n) * size), [n, ...data.shape] as [number, number, number, number]), [h, w]));
    x.set(out.dataSync() as Float32Array, start * sampleSize(target));
    out.dispose();
  }
  return { x, shape: target, targets: data.targets, groups: data.groups };
}

/** The family, its input and the samples as the model takes them: the same on a leader and its follower. */
function prepare(request: TrialRequest) {
  const family = getFamily(request.family);
  let data: TrainingData = { x: request.data.x, shape: request.data.shape, targets: request.data.targets, groups: request.data.groups };
  const inputShape = family.modelInputShape(request.config ?? {}, data.shape);
  if (inputShape.join() !== data.shape.join()) data = resizeImages(data, inputShape);
  const build = (seed: number) => family.build(request.config ?? {}, inputShape, request.labels.length, seed, { vocabularySize: request.vocabularySize });
  return { family, data, inputShape, build, trainer: { ...trainingOptionsFromConfig(request.training), ...request.trainer } };
}

/** The second core of a data-parallel run: half of every batch, until the leader says stop. */
async function follow({ request, pairPort }: TrialWorkerInput): Promise<void> {
  await initWasmBackend();
  const { data, build, trainer } = prepare(request);
  const augment = hasAugmentation(trainer.augment) ? trainer.augment : undefined;
  await followGradientPair(pairPort!, (weights, classWeights) => {
    const model = build(0);
    model.setWeights(weights);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const weighting = classWeights ? tf.tensor1d(classWeights) : undefined;
    return {
      model,
      optimizer: createAdam(trainer.learningRate ?? FIT_DEFAULTS.learningRate),
      half: (indices, seeds) => {
        reseedDropout(model, createRandom(seeds.dropout));
        return batchGradients(model, data, indices, variables, { augment: augment && { options: augment, random: createRandom(seeds.augment) }, classWeights: weighting });
      },
    };
  });
}

async function run({ request, startedAt, role, pairPort }: TrialWorkerInput): Promise<TrialResult> {
  progress({ phase: 'preparing', epoch: 0, epochs: request.epochs ?? 0, fraction: 0 });
  gpu = undefined;
  if (request.accelerator === 'webgpu') {
    // The adapter the self-test found at start-up may be gone by now (a driver reset): wasm can still train this.
    await initWebGpuBackend().catch((error: Error) => { throw Object.assign(new Error(`WebGPU could not start: ${error.message}`), { name: WEBGPU_FAILURE }); });
    gpu = watchGpu();
  } else await initWasmBackend();
  const { family, data, inputShape, build, trainer } = prepare(request);
  const numClasses = request.labels.length;
  const spentSeconds = (Date.now() - startedAt) / 1000;
  let lastBatchReport = 0;
  const common = {
    ...trainer,
    numClasses,
    budgetSeconds: Math.max(0.1, request.budgetSeconds - spentSeconds - EXPORT_RESERVE_SECONDS),
    epochs: request.epochs,
    seed: request.seed,
    signal: gpu ? AbortSignal.any([stop.signal, gpu.signal]) : stop.signal,
    onProgress: ({ event, ...p }: TrainerProgress) => {
      if (event === 'batch') gpu?.step();
      const now = Date.now();
      if (event === 'batch' && now - lastBatchReport < BATCH_REPORT_INTERVAL_MS) return;
      lastBatchReport = now;
      progress({ ...p, fraction: p.fraction * TRAINING_SHARE });
    },
  };
  let trained: FitResult;
  let validation: ClassificationReport | undefined;
  if (request.folds !== undefined && request.folds > 1) {
    if (request.checkpoint || request.initialWeights || role) throw new Error('Cross-validated trials (folds) cannot resume, start from initialWeights or train on two cores.');
    const folded = await crossValidate(data, build, { ...common, folds: request.folds });
    trained = folded;
    const { indices, probabilities } = folded.outOfFold;
    validation = classificationReport(probabilities, indices.map((i) => data.targets[i]), numClasses);
  } else {
    trained = await fit(data, build, {
      ...common,
      ...(role === 'leader' ? { pair: new GradientPairLeader(pairPort!) } : {}),
      resumeFrom: request.checkpoint,
      initialWeights: request.initialWeights,
      onCheckpoint: (checkpoint) => post({ type: 'checkpoint', checkpoint }, [checkpoint.bytes.buffer as ArrayBuffer]),
    });
    const held = trained.split.validationIndices;
    validation = held.length ? classificationReport(await predictSamples(trained.model, data, held), held.map((i) => data.targets[i]), numClasses) : undefined;
  }
  const { epochs } = trained;
  const last = trained.history.at(-1);
  const final = last ? { loss: last.loss, accuracy: last.accuracy, valLoss: trained.metrics.valLoss, valAccuracy: validation?.accuracy ?? trained.metrics.valAccuracy } : {};
  progress({ phase: 'exporting', epoch: epochs, epochs, fraction: TRAINING_SHARE, ...final });
  const validationIndices = trained.split.validationIndices;
  const exported = await exportTflite(trained.model, { description: `Offgrid ${family.name} classifier: ${request.labels.join(', ')}` });
  const tflite = exported.byteOffset === 0 && exported.byteLength === exported.buffer.byteLength && exported.buffer instanceof ArrayBuffer ? exported : exported.slice();
  const parameters = trained.model.countParams();
  trained.model.dispose();
  progress({ phase: 'done', epoch: epochs, epochs, fraction: 1, etaSeconds: 0, ...final });
  return {
    tflite, inputShape, epochs, history: trained.history, stoppedBy: trained.stoppedBy, validationIndices,
    metrics: { ...trained.metrics, validation, parameters, seconds: (Date.now() - startedAt) / 1000 },
  };
}

/**
 * Leaves this thread's TF.js engine as the next trial expects to find it: no variables (a model's, an optimizer's)
 * and the backend the next request asks for is set by `run` itself. Then says what is left, so a caller can check
 * that nothing grows from trial to trial in a reused worker.
 */
function cleanUp(): NonNullable<TrialResult['worker']> {
  tf.disposeVariables();
  const { numTensors, numBytes } = tf.memory();
  return { threadId, trials: trialsTrained, tensors: numTensors, bytes: numBytes };
}

/** One trial, start to end: its result or its error is posted, never thrown. */
async function serve(input: TrialWorkerInput): Promise<void> {
  stop = new AbortController();
  try {
    if (input.role === 'follower') {
      await follow(input);
      return post({ type: 'result', result: null as never });
    }
    const result = await run(input);
    trialsTrained += 1;
    post({ type: 'result', result: { ...result, worker: cleanUp() } }, [result.tflite.buffer as ArrayBuffer]);
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    // A dead device often fails a read before its loss is announced: give the announcement a moment to arrive.
    if (gpu && !gpu.failure) await new Promise((resolve) => setTimeout(resolve, 100));
    if (gpu?.failure) post({ type: 'error', name: WEBGPU_FAILURE, message: `${gpu.failure} (then: ${e.message})`, stack: e.stack });
    else post({ type: 'error', name: e.name, message: e.message, stack: e.stack, ...codeOf(e) });
  }
}

const start = workerData as TrialWorkerPoolInput | TrialWorkerInput;
port.on('message', (message: TrialWorkerCommand) => {
  if (message?.type === 'stop') stop.abort(new DOMException('Training was stopped.', 'AbortError'));
  // A pooled worker trains one trial at a time: the pool hands the next only after this one's result or error.
  else if (message?.type === 'trial') void serve(message.input);
});
if ('pooled' in start) {
  // Waits for trials: the port keeps this thread alive; the pool unrefs the Worker so an idle one keeps no process alive.
} else {
  // One trial from workerData, then the caller terminates the thread; the port alone must not keep it alive.
  port.unref();
  await serve(start);
}
