/**
 * Text and anomaly models: export time, float32/int8 sizes and LiteRT.js latency (batch 1,
 * interleaved runs). Models are generated (a `text` family model with random weights over a
 * 2,000-token vocabulary; an anomaly detector trained on synthetic sinusoid windows). Writes its
 * section of bench/export/RESULTS.md.
 *
 *   node --import tsx bench/export/text-anomaly.ts [--runs 200]
 */
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { writeResultsSection } from '../results-section.ts';
import * as tf from '@tensorflow/tfjs';
import { MODEL_FAMILIES, createRandom, exportTflite, initWasmBackend, trainAnomalyDetector } from '@offgrid/engine';
import { TfliteSession, loadLiteRtNode } from '@offgrid/tflite';
import type { ModelInput } from '@offgrid/tflite';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 200;
const [VOCAB, STEPS, WINDOW] = [2000, 64, 32];
const quantile = (v: number[], q: number) => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(q * v.length))];

async function latency(variants: Uint8Array[], input: ModelInput): Promise<{ median: number; p90: number }[]> {
  const sessions = await Promise.all(variants.map((b) => TfliteSession.create(b)));
  const times: number[][] = variants.map(() => []);
  for (let run = 0; run < RUNS + 5; run++)
    for (const [i, s] of sessions.entries()) {
      const t = performance.now();
      await s.run([input]);
      if (run >= 5) times[i].push(performance.now() - t);
    }
  sessions.forEach((s) => s.close());
  return times.map((t) => ({ median: quantile(t, 0.5), p90: quantile(t, 0.9) }));
}

await initWasmBackend();
await loadLiteRtNode();
const rows: string[] = [];
const random = createRandom(1);

// Text: embedding 16 → Conv1D k3 → global max pool → dense 32 → softmax over 4 classes.
const config = { embeddingDim: 16, conv: 'k3', pooling: 'max', hiddenUnits: 32 };
const text = MODEL_FAMILIES.text.build(config, [STEPS], 4, 1, { vocabularySize: VOCAB });
text.setWeights(text.getWeights().map((w, i) => tf.randomUniform(w.shape, -0.5, 0.5, 'float32', i)));
const ids = () => Float32Array.from({ length: STEPS }, () => Math.floor(random.next() * VOCAB));
let t = performance.now();
const textFloat = await exportTflite(text);
const textFloatMs = performance.now() - t;
t = performance.now();
const textInt8 = await exportTflite(text, { quantize: 'int8', representativeData: Array.from({ length: 100 }, ids) });
const textInt8Ms = performance.now() - t;
const [tf32, ti8] = await latency([textFloat, textInt8], Int32Array.from(ids()));
const name = `text ${JSON.stringify(config)}, vocab ${VOCAB}, ${STEPS} ids`;
rows.push(`| ${name} | float32 | ${textFloatMs.toFixed(0)} | ${textFloat.length} | 1.000 | ${tf32.median.toFixed(3)} / ${tf32.p90.toFixed(3)} |`);
rows.push(`| ${name} | int8 | ${textInt8Ms.toFixed(0)} | ${textInt8.length} | ${(textInt8.length / textFloat.length).toFixed(3)} | ${ti8.median.toFixed(3)} / ${ti8.p90.toFixed(3)} |`);

// Anomaly: dense autoencoder (32-16-8-16-32) on 500 synthetic normal windows, 10 s budget.
const normal = new Float32Array(500 * WINDOW).map((_, i) => Math.sin((2 * Math.PI * 2 * (i % WINDOW)) / WINDOW + Math.floor(i / WINDOW)) + (random.next() - 0.5) * 0.1);
t = performance.now();
const detector = await trainAnomalyDetector({ x: normal, shape: [WINDOW], seed: 1, falseAlarmRate: 0.01, budgetSeconds: 10 });
const detectorMs = performance.now() - t;
const [af32, ai8] = await latency([detector.float32, detector.int8], normal.slice(0, WINDOW));
const anomalyName = `anomaly autoencoder 32-16-8-16-32 + score (${detector.epochs} epochs, ${(detectorMs / 1000).toFixed(1)} s train + export + thresholds)`;
rows.push(`| ${anomalyName} | float32 | — | ${detector.float32.length} | 1.000 | ${af32.median.toFixed(3)} / ${af32.p90.toFixed(3)} |`);
rows.push(`| ${anomalyName} | int8 (float score tail) | — | ${detector.int8.length} | ${(detector.int8.length / detector.float32.length).toFixed(3)} | ${ai8.median.toFixed(3)} / ${ai8.p90.toFixed(3)} |`);

const section = `## Text and anomaly models (generated models and data)

Machine: ${cpus()[0]?.model ?? 'unknown'}, nproc ${cpus().length}, Node ${process.version}. Date: ${new Date().toISOString().slice(0, 10)}.
Command: \`node --import tsx bench/export/text-anomaly.ts --runs ${RUNS}\`. Latency: LiteRT.js 'wasm', one thread, batch 1, ${RUNS} interleaved runs after 5 warm-up, input copy and read-back included; other jobs share this machine.
The text model has random weights (sizes and speed do not depend on training); its input is int32 token ids (GATHER), untouched by int8. The anomaly detector is trained on synthetic sinusoid windows; its int8 variant keeps the score tail in float32 (see packages/engine README). Thresholds (1% false alarms on held-out normal windows): float32 ${detector.threshold.toFixed(4)}, int8 ${detector.thresholdInt8.toFixed(4)}.

| model | precision | export ms | file bytes | × float32 | LiteRT.js latency median / p90 (ms) |
|---|---|---:|---:|---:|---:|
${rows.join('\n')}
`;
writeResultsSection(fileURLToPath(new URL('./RESULTS.md', import.meta.url)), 'text-anomaly', section);
console.log(section);
