// Training and inference throughput of the small CNN on the wasm backend (one thread).
// Run: node --import tsx packages/engine/scripts/measure-throughput.ts [batchSize] [steps]
import * as tf from '@tensorflow/tfjs';
import { initWasmBackend } from '../src/backend/index.ts';
import { createSmallCnn } from '../src/models/small-cnn.ts';

const batchSize = Number(process.argv[2] ?? 32);
const steps = Number(process.argv[3] ?? 30);
await initWasmBackend();
const model = createSmallCnn({ numClasses: 10, seed: 1 });
const optimizer = tf.train.adam(1e-3);
const x = tf.randomNormal<tf.Rank.R4>([batchSize, 32, 32, 3]);
const y = tf.oneHot(tf.tensor1d(Array.from({ length: batchSize }, (_, i) => i % 10), 'int32'), 10);

function step(): void {
  const loss = optimizer.minimize(() => {
    const p = model.apply(x, { training: true }) as tf.Tensor2D;
    return tf.losses.softmaxCrossEntropy(y, tf.log(tf.clipByValue(p, 1e-7, 1))) as tf.Scalar;
  }, true);
  loss?.dataSync();
  loss?.dispose();
}

for (let i = 0; i < 3; i++) step(); // warm-up: XNNPACK operator creation, first allocations
let start = performance.now();
for (let i = 0; i < steps; i++) step();
const trainSeconds = (performance.now() - start) / 1000;
start = performance.now();
for (let i = 0; i < steps; i++) tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
const inferSeconds = (performance.now() - start) / 1000;
console.log(`backend=${tf.getBackend()} batch=${batchSize} steps=${steps}`);
console.log(`train: ${((steps * batchSize) / trainSeconds).toFixed(0)} images/s (${((trainSeconds / steps) * 1000).toFixed(1)} ms/step)`);
console.log(`infer: ${((steps * batchSize) / inferSeconds).toFixed(0)} images/s`);
console.log(`tensors alive: ${tf.memory().numTensors}`);

// The same through the trainer (batch assembly, accuracy, no validation): what a job sees.
const { trainImageClassifier } = await import('../src/train/trainer.ts');
const count = 1024;
const images = Array.from({ length: count }, (_, i) => new Float32Array(32 * 32 * 3).fill(i % 2 ? 0.5 : -0.5));
const targets = Array.from({ length: count }, (_, i) => i % 2);
const trainStart = performance.now();
const trained = await trainImageClassifier({ images, targets }, {
  inputShape: [32, 32, 3], numClasses: 2, budgetSeconds: 600, epochs: 3, batchSize, validationSplit: 0,
});
const trainerSeconds = (performance.now() - trainStart) / 1000;
console.log(`trainer: ${((3 * count) / trainerSeconds).toFixed(0)} images/s (${count} images x 3 epochs in ${trainerSeconds.toFixed(2)} s)`);
trained.model.dispose();
