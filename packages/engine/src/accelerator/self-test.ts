import * as tf from '@tensorflow/tfjs';
import { initWasmBackend } from '../backend/init-wasm.ts';
import { getFamily } from '../families/registry.ts';
import type { Config } from '../families/space.ts';
import { createAdam } from '../train/adam.ts';
import { weightedCrossEntropy } from '../train/fit.ts';
import { createRandom } from '../util/random.ts';
import { findAdapter, initWebGpuBackend, type WebGpuAdapter } from './webgpu.ts';

export type SelfTestResult = { available: false; reason: string } | WebGpuMeasurements;

export interface WebGpuMeasurements {
  available: true;
  adapter: string;
  software: boolean;
  /** Largest gradient difference from the cpu reference, relative to the largest reference value, over every check net (absent when not checked). */
  gradientError?: number;
  /** Training steps per second on webgpu ÷ on wasm, on the reference CNN (absent when not timed). */
  speedup?: number;
  stepMs?: { wasm: number; webgpu: number };
}

interface Net { family: string; config: Config; shape: number[]; batch: number }

/** Small nets that use every kind of layer the families build: conv, BN, depthwise, pooling, ReLU/ReLU6, dense. */
const GRADIENT_NETS: Net[] = [
  { family: 'small-cnn', config: { blocks: 2, filters: 8, kernelSize: 3, batchNorm: true, denseUnits: 16, dropout: 0 }, shape: [12, 12, 3], batch: 4 },
  { family: 'mobilenet', config: { widthMultiplier: 0.25, blocks: 3, dropout: 0 }, shape: [16, 16, 3], batch: 4 },
];
/** The reference CNN of the training benchmark (bench/engine/nets.ts): what a step costs on each backend. */
const TIMED_NET: Net = { family: 'small-cnn', config: { blocks: 2, filters: 32, denseUnits: 128, dropout: 0 }, shape: [28, 28, 1], batch: 64 };
const CLASSES = 4;

function batchOf(net: Net, seed: number): { x: tf.Tensor; y: tf.Tensor1D } {
  const random = createRandom(seed);
  const size = net.batch * net.shape.reduce((a, b) => a * b, 1);
  const x = tf.tensor(Float32Array.from({ length: size }, () => random.next() * 2 - 1), [net.batch, ...net.shape]);
  const y = tf.tensor1d(Array.from({ length: net.batch }, (_, i) => i % CLASSES), 'int32');
  return { x, y };
}

/** Every weight gradient of one training-mode step of `net`, on the active backend, same weights and data everywhere. */
async function gradients(net: Net): Promise<Float32Array[]> {
  const model = getFamily(net.family).build(net.config, net.shape, CLASSES, 7);
  const { x, y } = batchOf(net, 11);
  const { grads } = tf.variableGrads(() => weightedCrossEntropy(model.apply(x, { training: true }) as tf.Tensor2D, y));
  const values = await Promise.all(Object.values(grads).map(async (g) => (await g.data()) as Float32Array));
  tf.dispose([x, y, ...Object.values(grads)]);
  model.dispose();
  return values;
}

function relativeError(actual: Float32Array[], expected: Float32Array[]): number {
  let diff = 0;
  let scale = 0;
  expected.forEach((values, i) => values.forEach((value, j) => {
    diff = Math.max(diff, Math.abs(actual[i][j] - value));
    scale = Math.max(scale, Math.abs(value));
  }));
  return Number.isFinite(diff) ? diff / Math.max(scale, 1e-12) : Infinity;
}

/** Median ms of `steps` Adam steps of the reference CNN on the active backend, after one warm-up step. */
async function stepMs(steps: number): Promise<number> {
  const model = getFamily(TIMED_NET.family).build(TIMED_NET.config, TIMED_NET.shape, CLASSES, 3);
  const optimizer = createAdam(1e-3);
  const { x, y } = batchOf(TIMED_NET, 5);
  const times: number[] = [];
  for (let step = 0; step <= steps; step++) {
    const start = performance.now();
    const loss = optimizer.minimize(() => weightedCrossEntropy(model.apply(x, { training: true }) as tf.Tensor2D, y), true);
    await loss!.data(); // waits for the GPU
    loss!.dispose();
    if (step > 0) times.push(performance.now() - start);
  }
  tf.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

/**
 * Finds the adapter; then, unless `skipSoftware` and the adapter is a software one (it cannot beat wasm, so there is
 * nothing to check), compares WebGPU's gradients of GRADIENT_NETS with the cpu backend's and times `timedSteps` of the
 * reference CNN on WebGPU and on wasm. Without an adapter it says why. Run it in a process of its own
 * (self-test-process.ts): it switches backends, holds a GPU device, and Dawn writes warnings to stderr.
 */
export async function selfTest(timedSteps: number, skipSoftware: boolean): Promise<SelfTestResult> {
  let found: WebGpuAdapter;
  try {
    found = await findAdapter();
  } catch (error) {
    return { available: false, reason: (error as Error).message };
  }
  const adapter = found.description;
  if (found.software && skipSoftware) return { available: true, adapter, software: true };
  await initWebGpuBackend();
  await tf.setBackend('cpu');
  const expected = await Promise.all(GRADIENT_NETS.map(gradients));
  await tf.setBackend('webgpu');
  let gradientError = 0;
  for (const [i, net] of GRADIENT_NETS.entries()) gradientError = Math.max(gradientError, relativeError(await gradients(net), expected[i]));
  if (timedSteps <= 0) return { available: true, adapter, software: found.software, gradientError };
  const webgpu = await stepMs(timedSteps);
  await initWasmBackend();
  await tf.setBackend('wasm');
  const wasm = await stepMs(timedSteps);
  return { available: true, adapter, software: found.software, gradientError, speedup: wasm / webgpu, stepMs: { wasm, webgpu } };
}
