// One benchmark run inside a worker thread (own wasm backend): training and inference images/s.
import { parentPort, workerData } from 'node:worker_threads';
import { initWasmBackend } from '@offgrid/engine';
import { measureNet, type BenchJob } from './nets.ts';

export type { BenchJob } from './nets.ts';
export interface BenchResult { trainImagesPerSecond: number; inferImagesPerSecond: number }

async function run(job: BenchJob): Promise<BenchResult> {
  await initWasmBackend();
  const { train, infer } = await measureNet(job);
  return { trainImagesPerSecond: train, inferImagesPerSecond: infer };
}

parentPort!.postMessage(await run((workerData as { job: BenchJob }).job));
