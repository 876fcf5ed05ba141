// One benchmark run inside a worker thread (own wasm backend): training and inference images/s.
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initWasmBackend } from '@offgrid/engine';
import { buildBenchNet, type BenchJob } from './nets.ts';

export type { BenchJob } from './nets.ts';
export interface BenchResult { trainImagesPerSecond: number; inferImagesPerSecond: number }

async function run(job: BenchJob): Promise<BenchResult> {
  await initWasmBackend();
  const { model, x, trainStep } = buildBenchNet(job);
  for (let i = 0; i < 2; i++) trainStep(); // warm-up: XNNPACK operator creation, first allocations
  let start = performance.now();
  for (let i = 0; i < job.trainSteps; i++) trainStep();
  const train = (job.trainSteps * job.batchSize) / ((performance.now() - start) / 1000);
  tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
  start = performance.now();
  for (let i = 0; i < job.inferSteps; i++) tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
  const infer = (job.inferSteps * job.batchSize) / ((performance.now() - start) / 1000);
  return { trainImagesPerSecond: train, inferImagesPerSecond: infer };
}

parentPort!.postMessage(await run((workerData as { job: BenchJob }).job));
