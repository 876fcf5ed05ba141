/**
 * How long the caller's event loop stalls while a model is quantized, packaged and tested: on the calling thread
 * (packageModel + evaluateOnTest, as before the finisher) vs through the pipeline's ModelFinisher thread. In the
 * server that loop serves the API. Both ways in one run, same model and samples.
 *   node --import tsx bench/server/finisher.ts
 */
import { cpus, loadavg } from 'node:os';
import { exportTflite, initWasmBackend, MODEL_FAMILIES } from '@offgrid/engine';
import type { LoadedDataset } from '@offgrid/engine/data';
import { loadLiteRtNode } from '@offgrid/tflite';
import { evaluateOnTest, packageModel } from '../../packages/pipeline/src/model-files.ts';
import { ModelFinisher } from '../../packages/pipeline/src/finisher.ts';

await initWasmBackend();
await loadLiteRtNode();
const size = 32 * 32 * 3;
const count = 300;
const x = Float32Array.from({ length: count * size }, (_, i) => Math.sin(i * 12.9898) * 0.9);
const dataset: LoadedDataset = {
  kind: 'image', labels: ['a', 'b', 'c', 'd'], shape: [32, 32, 3], x, targets: Int32Array.from({ length: count }, (_, i) => i % 4),
  sources: [], skipped: [], imageNormalization: { mean: 127.5, std: 127.5 },
};
const representative = Array.from({ length: 200 }, (_, i) => x.slice(i * size, (i + 1) * size));
const test = Array.from({ length: 100 }, (_, i) => 200 + i);
const finisher = new ModelFinisher();

/** Wall time of `work`, and the longest gap between ticks of a 5 ms interval meanwhile: how long the loop stalled. */
async function measure(work: () => Promise<unknown>): Promise<{ seconds: number; maxStallMs: number }> {
  let last = performance.now();
  let maxStallMs = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    maxStallMs = Math.max(maxStallMs, now - last);
    last = now;
  }, 5);
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  // A stall still running when the work ends is counted at the next tick.
  await new Promise((resolve) => setTimeout(resolve, 20));
  clearInterval(tick);
  return { seconds, maxStallMs };
}

console.log(`Machine: ${cpus()[0]?.model}, ${cpus().length} cores, Node ${process.version}; load average ${loadavg()[0].toFixed(1)} at start.\n`);
console.log('| model | where | wall s | longest event-loop stall ms |');
console.log('|---|---|---|---|');
for (const family of ['small-cnn', 'mobilenet'] as const) {
  const model = MODEL_FAMILIES[family].build({}, [32, 32, 3], 4, 1);
  const float32 = await exportTflite(model);
  model.dispose();
  await finisher.package(float32, dataset, representative.slice(0, 100), 'warm-up'); // thread start-up, once per run
  const here = await measure(async () => evaluateOnTest(packageModel(float32, dataset, representative, family), dataset, test));
  const away = await measure(async () => finisher.evaluate(await finisher.package(float32, dataset, representative, family), dataset, test));
  console.log(`| ${family} | calling thread | ${here.seconds.toFixed(1)} | ${here.maxStallMs.toFixed(0)} |`);
  console.log(`| ${family} | finisher thread | ${away.seconds.toFixed(1)} | ${away.maxStallMs.toFixed(0)} |`);
}
await finisher.close();
console.log(`\nLoad average at the end: ${loadavg()[0].toFixed(1)}.`);
