// How fast the head trains in plain TypeScript: `node --import tsx packages/federated/bench/head-speed.ts`.
// The phone-sized case of the README: a 1280-d embedding (MobileNetV2's), 10 classes, 500 samples, 10 epochs.
import { createRandom } from '@offgrid/features';
import { createHead, evaluateHead, trainHead } from '../src/index.ts';

const inputSize = Number(process.argv[2] ?? 1280);
const numClasses = Number(process.argv[3] ?? 10);
const samples = Number(process.argv[4] ?? 500);
const epochs = Number(process.argv[5] ?? 10);

const random = createRandom(7);
const centres = Float32Array.from({ length: numClasses * inputSize }, () => random.next());
const embeddings = new Float32Array(samples * inputSize);
const targets = Int32Array.from({ length: samples }, (_, s) => s % numClasses);
for (let s = 0; s < samples; s++) {
  for (let i = 0; i < inputSize; i++) embeddings[s * inputSize + i] = Math.max(0, centres[targets[s] * inputSize + i] + random.next() - 0.5);
}
const base = createHead(inputSize, numClasses);
await trainHead(base, { embeddings, targets }, { epochs: 1, seed: 1 }); // warm the JIT
const runs: number[] = [];
let accuracy = 0;
for (let run = 0; run < 5; run++) {
  const started = performance.now();
  const { head } = await trainHead(base, { embeddings, targets }, { epochs, seed: run, learningRate: 0.001 });
  runs.push(performance.now() - started);
  accuracy = evaluateHead(head, embeddings, targets).accuracy;
}
runs.sort((a, b) => a - b);
const ms = runs[Math.floor(runs.length / 2)];
const flops = 4 * inputSize * numClasses * samples * epochs;
console.log(`d=${inputSize} N=${numClasses} samples=${samples} epochs=${epochs}: median ${ms.toFixed(1)} ms (min ${runs[0].toFixed(1)}), ` +
  `${(ms / epochs).toFixed(2)} ms/epoch, ~${(flops / ms / 1e6).toFixed(2)} GFLOP/s (4·d·N per sample), train accuracy ${accuracy.toFixed(3)}`);
