// The two reference nets of issue #4 / DESIGN §3 and one Adam training step on them, shared by the
// throughput benchmark (throughput.ts, in workers) and the per-kernel profile (profile.ts).
import * as tf from '@tensorflow/tfjs';
import { MODEL_FAMILIES, createAdam, weightedCrossEntropy, type Config } from '@offgrid/engine';

export interface BenchJob { family: 'small-cnn' | 'mobilenet'; config: Config; shape: number[]; batchSize: number; trainSteps: number; inferSteps: number }

export const NETS: { name: 'cnn' | 'mobilenet'; label: string; job: BenchJob }[] = [
  { name: 'cnn', label: 'CNN 28x28x1: conv32-pool-conv64-pool-dense128-dense10', job: { family: 'small-cnn', config: { blocks: 2, filters: 32, denseUnits: 128, dropout: 0 }, shape: [28, 28, 1], batchSize: 64, trainSteps: 20, inferSteps: 40 } },
  { name: 'mobilenet', label: 'MobileNet-like 32x32x3 (conv32 + 5 depthwise-separable blocks, BN, ReLU6)', job: { family: 'mobilenet', config: { widthMultiplier: 1, blocks: 5, dropout: 0 }, shape: [32, 32, 3], batchSize: 64, trainSteps: 6, inferSteps: 20 } },
];

export interface BenchNet {
  model: tf.LayersModel;
  x: tf.Tensor;
  trainStep: () => void;
  /** The same step read back asynchronously: WebGPU in Node cannot read synchronously (it needs OffscreenCanvas). */
  trainStepAsync: () => Promise<void>;
}

/** Builds the net with the engine's family, random data (seeded) and an Adam step (the engine's) with cross-entropy. */
export function buildBenchNet(job: BenchJob, optimizer: tf.Optimizer = createAdam(1e-3)): BenchNet {
  const model = MODEL_FAMILIES[job.family].build(job.config, job.shape, 10, 1);
  const x = tf.randomUniform([job.batchSize, ...job.shape], -1, 1, 'float32', 2);
  const y = tf.tensor1d(Array.from({ length: job.batchSize }, (_, i) => i % 10), 'int32');
  const step = () => optimizer.minimize(() => weightedCrossEntropy(model.apply(x, { training: true }) as tf.Tensor2D, y), true)!;
  const trainStep = (): void => {
    const loss = step();
    loss.dataSync();
    loss.dispose();
  };
  const trainStepAsync = async (): Promise<void> => {
    const loss = step();
    await loss.data();
    loss.dispose();
  };
  return { model, x, trainStep, trainStepAsync };
}

/**
 * Training and inference images/s of `job`'s net on the active backend: 2 warm-up steps (XNNPACK operator creation,
 * shader compilation), then timed steps, each read back asynchronously (WebGPU in Node cannot read synchronously).
 */
export async function measureNet(job: BenchJob, steps: { trainSteps: number; inferSteps: number } = job): Promise<{ train: number; infer: number }> {
  const { model, x, trainStepAsync } = buildBenchNet(job);
  for (let i = 0; i < 2; i++) await trainStepAsync();
  let start = performance.now();
  for (let i = 0; i < steps.trainSteps; i++) await trainStepAsync();
  const train = (steps.trainSteps * job.batchSize) / ((performance.now() - start) / 1000);
  const predict = async (): Promise<void> => {
    const output = model.predict(x) as tf.Tensor;
    await output.data();
    output.dispose();
  };
  await predict();
  start = performance.now();
  for (let i = 0; i < steps.inferSteps; i++) await predict();
  const infer = (steps.inferSteps * job.batchSize) / ((performance.now() - start) / 1000);
  model.dispose();
  return { train, infer };
}
