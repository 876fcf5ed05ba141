/**
 * Export benchmark: export time and file size of float32 / float16 / int8 TFLite exports of the
 * product CNN and a MobileNet-like net, and LiteRT.js latency float32 vs int8 measured side by
 * side in one process (interleaved runs, median and p90). Writes bench/export/RESULTS.md.
 *
 *   node --import tsx bench/export/export-bench.ts [--runs 300]
 */
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { writeResultsSection } from '../results-section.ts';
import type * as tf from '@tensorflow/tfjs';
import { createRandom, exportTflite, initWasmBackend, MODEL_FAMILIES } from '@offgrid/engine';
import type { Precision } from '@offgrid/engine';
import { TfliteSession, loadLiteRtNode } from '@offgrid/tflite';
import { mobileNetLike, randomizeWeights } from '../../packages/engine/src/export/test-models.ts';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 300;
const EXPORT_REPEATS = 3;
const PRECISIONS: Precision[] = ['float32', 'float16', 'int8'];

const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))];

interface Row {
  model: string;
  precision: Precision;
  exportMs: number;
  bytes: number;
  latency?: { median: number; p90: number };
}

async function benchModel(name: string, model: tf.LayersModel): Promise<Row[]> {
  randomizeWeights(model, 1);
  const random = createRandom(2).next;
  const inputSize = (model.inputs[0].shape.slice(1) as number[]).reduce((p, d) => p * d, 1);
  const representativeData = Array.from({ length: 100 }, () => Float32Array.from({ length: inputSize }, random));
  const rows: Row[] = [];
  const files = new Map<Precision, Uint8Array>();
  for (const precision of PRECISIONS) {
    const times: number[] = [];
    let bytes: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < EXPORT_REPEATS; i++) {
      const start = performance.now();
      bytes = await exportTflite(model, { quantize: precision, representativeData });
      times.push(performance.now() - start);
    }
    files.set(precision, bytes);
    rows.push({ model: name, precision, exportMs: quantile(times, 0.5), bytes: bytes.length });
  }
  // Latency: float32 and int8 sessions alive together, runs interleaved so drift hits both alike.
  const sessions = await Promise.all((['float32', 'int8'] as const).map((p) => TfliteSession.create(files.get(p) as Uint8Array)));
  const input = representativeData[0];
  const samples: number[][] = [[], []];
  for (let i = 0; i < 20; i++) for (const s of sessions) await s.run([input]);
  for (let i = 0; i < RUNS; i++) {
    for (const [k, s] of sessions.entries()) {
      const start = performance.now();
      await s.run([input]);
      samples[k].push(performance.now() - start);
    }
  }
  sessions.forEach((s) => s.close());
  (['float32', 'int8'] as const).forEach((p, k) => {
    const row = rows.find((r) => r.precision === p) as Row;
    row.latency = { median: quantile(samples[k], 0.5), p90: quantile(samples[k], 0.9) };
  });
  return rows;
}

function machine(): string {
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  const nproc = execSync('nproc').toString().trim();
  return `${cpu}, nproc ${nproc}, Node ${process.version}`;
}

await initWasmBackend();
await loadLiteRtNode();
const rows = [
  ...(await benchModel('small CNN 32x32x3 (conv16-pool-conv32-pool-dense32-dense10)', MODEL_FAMILIES['small-cnn'].build({}, [32, 32, 3], 10, 1))),
  ...(await benchModel('MobileNet-like 32x32x3 (conv32 + 5 dw-separable blocks, BN, ReLU)', mobileNetLike(10))),
];

const float32Bytes = (model: string) => (rows.find((r) => r.model === model && r.precision === 'float32') as Row).bytes;
const table = [
  '| model | precision | export ms (median of 3) | file bytes | × float32 | LiteRT.js latency median / p90 (ms) |',
  '|---|---|---:|---:|---:|---:|',
  ...rows.map((r) => {
    const latency = r.latency ? `${r.latency.median.toFixed(3)} / ${r.latency.p90.toFixed(3)}` : '—';
    return `| ${r.model} | ${r.precision} | ${r.exportMs.toFixed(0)} | ${r.bytes} | ${(r.bytes / float32Bytes(r.model)).toFixed(3)} | ${latency} |`;
  }),
].join('\n');

const report = `# Export benchmark

Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 10)}.
Command: \`node --import tsx bench/export/export-bench.ts --runs ${RUNS}\` (TF.js wasm backend for export; LiteRT.js 'wasm' accelerator, one thread, in Node).

Weights are seeded random (sizes and latency do not depend on training); int8 calibrates on 100 random inputs.
Export time includes lowering, and for int8 the calibration in the TypeScript reference interpreter (100 samples), which dominates.
Latency: float32 and int8 sessions of the same model in one process, ${RUNS} interleaved runs each after 20 warm-up runs, batch 1, input copy and output read-back included.
int8 size: per-channel weights and their int32 biases carry one float32 scale and one int64 zero point per channel; TFLite's model reader requires as many zero points as scales (interpreter_builder.cc: "QuantizationParam has %d zero_point values and %d scale values. Must have same number."), so they cannot be dropped or shortened. Equal zero-point vectors (all zeros, per channel count) are written once and shared by offset in the flatbuffer, which took the MobileNet-like net from 0.332× to 0.296× and MobileNetV2 (below) from 0.297× to 0.274×; the tiny layers of the MobileNet-like net make this metadata a large share of its file.

${table}
`;
writeResultsSection(fileURLToPath(new URL('./RESULTS.md', import.meta.url)), 'families', report);
console.log(report);
