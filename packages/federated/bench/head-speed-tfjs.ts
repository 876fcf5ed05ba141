// The same head training as head-speed.ts in TF.js, for the README's comparison:
// `node --import tsx packages/federated/bench/head-speed-tfjs.ts [cpu|wasm]`. Dense layer, momentum 0.9,
// softmax cross-entropy, batches of 32 made once up front (so tensor creation is not counted).
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createRandom } from '@offgrid/features';

const backend = process.argv[2] ?? 'wasm';
if (backend === 'wasm') setWasmPaths(join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} did not start`);
const [inputSize, numClasses, samples, epochs, batchSize] = [1280, 10, 500, 10, 32];
const random = createRandom(7);
const x = Float32Array.from({ length: samples * inputSize }, () => random.next());
const y = Int32Array.from({ length: samples }, (_, s) => s % numClasses);
const batches: [tf.Tensor2D, tf.Tensor2D][] = [];
for (let start = 0; start < samples; start += batchSize) {
  const end = Math.min(samples, start + batchSize);
  batches.push([tf.tensor2d(x.subarray(start * inputSize, end * inputSize), [end - start, inputSize]), tf.oneHot(tf.tensor1d(y.subarray(start, end), 'int32'), numClasses) as tf.Tensor2D]);
}

async function run(): Promise<number> {
  const weights = tf.variable(tf.zeros([inputSize, numClasses]));
  const bias = tf.variable(tf.zeros([numClasses]));
  const optimizer = tf.train.momentum(0.001, 0.9);
  const started = performance.now();
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (const [xb, yb] of batches) optimizer.minimize(() => tf.losses.softmaxCrossEntropy(yb, xb.matMul(weights).add(bias)) as tf.Scalar, true)?.dispose();
  }
  await weights.data();
  const ms = performance.now() - started;
  tf.dispose([weights, bias]);
  optimizer.dispose();
  return ms;
}

await run(); // warm-up
const runs: number[] = [];
for (let r = 0; r < 5; r++) runs.push(await run());
runs.sort((a, b) => a - b);
console.log(`tfjs ${tf.getBackend()}: d=${inputSize} N=${numClasses} samples=${samples} epochs=${epochs}: median ${runs[2].toFixed(1)} ms (min ${runs[0].toFixed(1)})`);
