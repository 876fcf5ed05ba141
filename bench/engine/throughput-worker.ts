// One benchmark run inside a worker thread (own wasm backend): training and inference images/s.
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { MODEL_FAMILIES, initWasmBackend, weightedCrossEntropy, type Config } from '@offgrid/engine';

export interface BenchJob { family: 'small-cnn' | 'mobilenet'; config: Config; shape: number[]; batchSize: number; trainSteps: number; inferSteps: number }
export interface BenchResult { trainImagesPerSecond: number; inferImagesPerSecond: number }

async function run(job: BenchJob): Promise<BenchResult> {
  await initWasmBackend();
  const model = MODEL_FAMILIES[job.family].build(job.config, job.shape, 10, 1);
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomUniform([job.batchSize, ...job.shape], -1, 1, 'float32', 2);
  const y = tf.tensor1d(Array.from({ length: job.batchSize }, (_, i) => i % 10), 'int32');
  const step = (): void => {
    const loss = optimizer.minimize(() => weightedCrossEntropy(model.apply(x, { training: true }) as tf.Tensor2D, y), true);
    loss!.dataSync();
    loss!.dispose();
  };
  for (let i = 0; i < 2; i++) step(); // warm-up: XNNPACK operator creation, first allocations
  let start = performance.now();
  for (let i = 0; i < job.trainSteps; i++) step();
  const train = (job.trainSteps * job.batchSize) / ((performance.now() - start) / 1000);
  tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
  start = performance.now();
  for (let i = 0; i < job.inferSteps; i++) tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
  const infer = (job.inferSteps * job.batchSize) / ((performance.now() - start) / 1000);
  return { trainImagesPerSecond: train, inferImagesPerSecond: infer };
}

parentPort!.postMessage(await run((workerData as { job: BenchJob }).job));
