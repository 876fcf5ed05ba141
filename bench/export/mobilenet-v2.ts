/**
 * Export benchmark on a real pretrained model: nsfwjs' Keras MobileNetV2 as shipped in npm (trunk
 * + its 5-class top, 224x224x3). Export time and size of float32 / float16 / int8 (int8 calibrated
 * in LiteRT.js on 100 real images), LiteRT.js latency float32 vs int8 (interleaved, one process),
 * float32 vs TF.js error and int8/float16 top-1 agreement with float32 on held-out real images
 * (the PNG/JPEG files installed packages ship; see packages/engine/src/export/real-images.ts).
 * Writes its section of bench/export/RESULTS.md (after the MARKER line; the rest is kept).
 *
 *   node --import tsx bench/export/mobilenet-v2.ts [--runs 50]
 */
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { writeResultsSection } from '../results-section.ts';
import * as tf from '@tensorflow/tfjs';
import { exportTflite, initWasmBackend } from '@offgrid/engine';
import type { Precision } from '@offgrid/engine';
import { TfliteSession, calibrate, calibrateLiteRt, loadLiteRtNode, parseModel, quantizeInt8, serializeModel } from '@offgrid/tflite';
import type { RangeMethod } from '@offgrid/tflite';
import { loadBackbone } from '../../packages/engine/src/transfer/backbones.ts';
import { loadRealImages } from '../../packages/engine/src/export/real-images.ts';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 50;
const CALIBRATION = 100;
const TFJS_REFERENCE = 16;

const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))];
const argmax = (v: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
};

async function outputsOf(bytes: Uint8Array, inputs: Float32Array[]): Promise<Float32Array[]> {
  const session = await TfliteSession.create(bytes);
  try {
    const out: Float32Array[] = [];
    for (const input of inputs) out.push((await session.run([input]))[0]);
    return out;
  } finally {
    session.close();
  }
}

function agreeCount(q: Float32Array[], f: Float32Array[]): number {
  return q.filter((p, i) => argmax(p) === argmax(f[i])).length;
}

function topMargin(p: Float32Array): number {
  const sorted = Array.from(p).sort((x, y) => y - x);
  return sorted[0] - sorted[1];
}

/** Agreement, agreement where float32's top-1 margin ≥ 0.1 ("a/b"), mean and max abs probability error. */
function compare(q: Float32Array[], f: Float32Array[]): { agree: number; wide: string; meanAbs: number; maxAbs: number } {
  const wide = f.map((_, i) => i).filter((i) => topMargin(f[i]) >= 0.1);
  let [sum, maxAbs] = [0, 0];
  q.forEach((p, i) => p.forEach((v, c) => {
    sum += Math.abs(v - f[i][c]);
    maxAbs = Math.max(maxAbs, Math.abs(v - f[i][c]));
  }));
  return { agree: agreeCount(q, f), wide: `${wide.filter((i) => argmax(q[i]) === argmax(f[i])).length}/${wide.length}`, meanAbs: sum / q.length / f[0].length, maxAbs };
}

function machine(): string {
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  return `${cpu}, nproc ${execSync('nproc').toString().trim()}, Node ${process.version}`;
}

await initWasmBackend();
await loadLiteRtNode();
const { info, pretrained } = await loadBackbone('mobilenet-v2-nsfwjs');
const [size] = info.inputShape;
const images = await loadRealImages({ size, mean: info.normalization.mean[0], std: info.normalization.std[0] });
const calibration = images.slice(0, CALIBRATION).map((i) => i.input);
const heldOut = images.slice(CALIBRATION);
if (heldOut.length < TFJS_REFERENCE) throw new Error(`Only ${images.length} real images found; need ${CALIBRATION + TFJS_REFERENCE}`);
const metadata = { name: 'nsfwjs MobileNetV2', labels: [...info.pretrainedLabels], normalization: { mean: [0], std: [255] }, license: 'MIT' };

const files = new Map<Precision, Uint8Array>();
const exportMs = new Map<Precision, number>();
for (const precision of ['float32', 'float16', 'int8'] as const) {
  const start = performance.now();
  files.set(precision, await exportTflite(pretrained, { quantize: precision, representativeData: calibration, calibration: 'litert', metadata }));
  exportMs.set(precision, performance.now() - start);
}
// What int8 calibration would cost in the TypeScript reference interpreter (3 samples, extrapolated).
const float32Model = parseModel(files.get('float32') as Uint8Array);
const interpreterStart = performance.now();
calibrate(float32Model, calibration.slice(0, 3));
const interpreterPerSample = (performance.now() - interpreterStart) / 3;

// Accuracy: every held-out image through float32, float16 and int8; the first 16 also through TF.js.
const precisions = ['float32', 'float16', 'int8'] as const;
const sessions = await Promise.all(precisions.map((p) => TfliteSession.create(files.get(p) as Uint8Array)));
const outputs: Float32Array[][] = precisions.map(() => []);
for (const image of heldOut) for (const [k, s] of sessions.entries()) outputs[k].push((await s.run([image.input]))[0]);
const reference = heldOut.slice(0, TFJS_REFERENCE);
const batch = new Float32Array(reference.length * size * size * 3);
reference.forEach((image, i) => batch.set(image.input, i * image.input.length));
const tfjsStart = performance.now();
const expected = tf.tidy(() => (pretrained.predict(tf.tensor4d(batch, [reference.length, size, size, 3])) as tf.Tensor).arraySync() as number[][]);
const tfjsPerImage = (performance.now() - tfjsStart) / reference.length;
const maxError = (k: number) => Math.max(...expected.flatMap((row, i) => row.map((v, c) => Math.abs(outputs[k][i][c] - v))));
const agreement = (k: number) => heldOut.filter((_, i) => argmax(outputs[k][i]) === argmax(outputs[0][i])).length;
const meanAbs = (k: number) => outputs[k].reduce((sum, p, i) => sum + p.reduce((s, v, c) => s + Math.abs(v - outputs[0][i][c]), 0), 0) / heldOut.length / info.pretrainedLabels.length;
const margin = topMargin;
const misses = heldOut.map((_, i) => i).filter((i) => argmax(outputs[2][i]) !== argmax(outputs[0][i]));
const confident = heldOut.map((_, i) => i).filter((i) => margin(outputs[0][i]) >= 0.5);
const confidentAgree = confident.filter((i) => argmax(outputs[2][i]) === argmax(outputs[0][i])).length;
const missPairs = misses.map((i) => `${info.pretrainedLabels[argmax(outputs[0][i])]}→${info.pretrainedLabels[argmax(outputs[2][i])]}`);
const pairCounts = [...new Set(missPairs)].map((p) => `${p} ${missPairs.filter((q) => q === p).length}`).join(', ');
const classes = info.pretrainedLabels.map((label, c) => `${label} ${outputs[0].filter((p) => argmax(p) === c).length}`).join(', ');

// int8 variants (quantizeInt8 options), each calibrated on the same 100 images and scored on the
// same held-out ones; a second, swapped split (calibrate on the last 100 images, score the first
// 150) cross-checks the candidates for the default. Files without the zip-appended labels.
interface Variant { name: string; method: RangeMethod; biasCorrection: boolean; floatTail: number }
const n = float32Model.operators.length;
const variants: Variant[] = [
  { name: 'min/max (the previous default)', method: 'minmax', biasCorrection: false, floatTail: 0 },
  { name: 'min/max, float SOFTMAX', method: 'minmax', biasCorrection: false, floatTail: 1 },
  { name: 'min/max, float last FULLY_CONNECTED + SOFTMAX', method: 'minmax', biasCorrection: false, floatTail: 2 },
  { name: 'percentile 99.99 %', method: 'percentile', biasCorrection: false, floatTail: 0 },
  { name: 'mse', method: 'mse', biasCorrection: false, floatTail: 0 },
  { name: '**min/max + bias correction (default)**', method: 'minmax', biasCorrection: true, floatTail: 0 },
  { name: 'min/max + bias correction, float SOFTMAX', method: 'minmax', biasCorrection: true, floatTail: 1 },
  { name: 'percentile + bias correction', method: 'percentile', biasCorrection: true, floatTail: 0 },
  { name: 'mse + bias correction', method: 'mse', biasCorrection: true, floatTail: 0 },
];
const floatBytes = serializeModel(float32Model).length;
const splitB = { calibration: images.slice(images.length - CALIBRATION).map((i) => i.input), heldOut: images.slice(0, images.length - CALIBRATION).map((i) => i.input) };
const splitBFloat = await outputsOf(serializeModel(float32Model), splitB.heldOut);
const rangesOf = new Map<string, Awaited<ReturnType<typeof calibrateLiteRt>>>();
const tailOf = (k: number) => Array.from({ length: k }, (_, i) => n - k + i);
const variantRows: string[] = [];
for (const v of variants) {
  const key = `A ${v.method}`;
  if (!rangesOf.has(key)) rangesOf.set(key, await calibrateLiteRt(float32Model, calibration, v.method));
  const bytes = serializeModel(quantizeInt8(float32Model, { representativeData: calibration, ranges: rangesOf.get(key), biasCorrection: v.biasCorrection, floatOperators: tailOf(v.floatTail) }));
  const q = await outputsOf(bytes, heldOut.map((i) => i.input));
  let splitBText = '—';
  if (v.floatTail === 0 && v.method !== 'percentile') {
    const keyB = `B ${v.method}`;
    if (!rangesOf.has(keyB)) rangesOf.set(keyB, await calibrateLiteRt(float32Model, splitB.calibration, v.method));
    const qB = await outputsOf(serializeModel(quantizeInt8(float32Model, { representativeData: splitB.calibration, ranges: rangesOf.get(keyB), biasCorrection: v.biasCorrection })), splitB.heldOut);
    splitBText = `${agreeCount(qB, splitBFloat)}/${splitB.heldOut.length}`;
  }
  const m = compare(q, outputs[0]);
  variantRows.push(`| ${v.name} | ${m.agree}/${heldOut.length} = ${((m.agree / heldOut.length) * 100).toFixed(1)} % | ${m.wide} | ${m.meanAbs.toFixed(4)} | ${m.maxAbs.toFixed(3)} | ${(bytes.length / floatBytes).toFixed(3)} | ${splitBText} |`);
}

// Latency: float32 and int8 sessions alive together, runs interleaved so drift hits both alike.
const latencySessions = [sessions[0], sessions[2]];
const samples: number[][] = [[], []];
const input = heldOut[0].input;
for (let i = 0; i < 5; i++) for (const s of latencySessions) await s.run([input]);
for (let i = 0; i < RUNS; i++) {
  for (const [k, s] of latencySessions.entries()) {
    const start = performance.now();
    await s.run([input]);
    samples[k].push(performance.now() - start);
  }
}
sessions.forEach((s) => s.close());
const latency = (k: number) => `${quantile(samples[k], 0.5).toFixed(1)} / ${quantile(samples[k], 0.9).toFixed(1)}`;

const f32Bytes = (files.get('float32') as Uint8Array).length;
const row = (p: Precision, k: number, lat: string, acc: string) =>
  `| ${p} | ${(exportMs.get(p) as number).toFixed(0)} | ${(files.get(p) as Uint8Array).length} | ${((files.get(p) as Uint8Array).length / f32Bytes).toFixed(3)} | ${lat} | ${acc} |`;
const section = `## Real pretrained model: nsfwjs MobileNetV2 (as shipped in npm)

Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 10)}.
Command: \`node --import tsx bench/export/mobilenet-v2.ts --runs ${RUNS}\`. Test: \`node --import tsx --test packages/engine/src/export/mobilenet-v2.test.ts\` (asserts the bounds below, ~35–60 s).

Model: Keras MobileNetV2 (alpha 1.0) trunk + its own top (dense 256 relu, dense 128 relu, dense 5 softmax: ${info.pretrainedLabels.join(', ')}), 224x224x3, input pixels/255; loaded offline with \`loadBackbone('mobilenet-v2-nsfwjs').pretrained\`, exported with TFLite Metadata (RGB, mean [0], std [255], labels).
Images: ${images.length} distinct PNG/JPEG files that installed packages ship (icons, documentation figures, logos, a few photos), centre-cropped and area-resized like the app does; ${CALIBRATION} calibrate int8, the other ${heldOut.length} are held out (float32 top-1 on them: ${classes}). They are mostly out of the photo domain the top was trained on.
Export time includes lowering and metadata; int8 (the default: min/max ranges + bias correction) includes calibration in LiteRT.js (\`calibration: 'litert'\`, ${CALIBRATION} samples). The TypeScript reference interpreter (the default calibrator) takes ${(interpreterPerSample / 1000).toFixed(2)} s a sample on this model, i.e. ~${((interpreterPerSample * CALIBRATION) / 1000).toFixed(0)} s for ${CALIBRATION}.
Latency: LiteRT.js 'wasm', one thread, batch 1, ${RUNS} interleaved float32/int8 runs after 5 warm-up runs, input copy and output read-back included. Other jobs share this 2-core machine: absolute numbers are noisy, the ratio is the figure to read. TF.js wasm predict for comparison: ${tfjsPerImage.toFixed(0)} ms an image (batch ${reference.length}).

| precision | export ms | file bytes | × float32 | LiteRT.js latency median / p90 (ms) | accuracy on held-out real images |
|---|---:|---:|---:|---:|---|
${row('float32', 0, latency(0), `vs TF.js (${reference.length} images): max abs error ${maxError(0).toExponential(1)} on probabilities`)}
${row('float16', 1, '—', `vs TF.js: max abs error ${maxError(1).toExponential(1)}; top-1 agreement with float32 ${agreement(1)}/${heldOut.length}`)}
${row('int8', 2, latency(1), `top-1 agreement with float32 ${agreement(2)}/${heldOut.length} = ${((agreement(2) / heldOut.length) * 100).toFixed(1)} %; mean abs probability error ${meanAbs(2).toFixed(4)}`)}

int8 top-1 agreement with float32 where float32 is confident (top-1 margin p1 − p2 ≥ 0.5): ${confidentAgree}/${confident.length}.

${agreement(2) / heldOut.length >= 0.99 ? 'The default int8 export meets the issue\'s 99 % agreement target on these held-out images.' : `The default int8 export misses the issue's 99 % agreement target on these held-out images: ${misses.length} misses (${pairCounts}), all with a float32 top-1 margin ≤ ${Math.max(...misses.map((i) => margin(outputs[0][i]))).toFixed(2)} (near-ties between Drawing and Neutral on icons and plots, out of the photo domain of this top).`}

### int8 variants (\`quantizeInt8\` options)

Same float32 model, calibrated in LiteRT.js on the same ${CALIBRATION} images, scored on the same ${heldOut.length} held-out images (split A). "Split B" swaps the roles as a cross-check (calibrate on the last ${CALIBRATION} images, score the first ${images.length - CALIBRATION}); the default was chosen on A and B together. Sizes are without the zip-appended labels. Bias correction and range methods change only int32 bias values and scales (same ops, same size, same latency); a float tail adds one DEQUANTIZE.

| method | agreement (split A) | where float32 margin ≥ 0.1 | mean abs prob. error | max abs prob. error | × float32 | agreement (split B) |
|---|---:|---:|---:|---:|---:|---:|
${variantRows.join('\n')}

Diagnosis (measured once with a per-layer probe: every activation of the float32 model and the DEQUANTIZEd activations of the int8 model as LiteRT.js outputs, SNR = Σf² / Σ(q − f)² on 20 held-out images; not re-run by this script): with min/max ranges the error is there from the first convolution (SNR 37.8 dB where its 1/255-of-[0, 6] step alone would allow ~50 dB) and most of it is a per-channel mean shift (rms per-channel mean error 0.026 of a total 0.030): rounding the weights of a layer whose inputs have a positive mean (images, ReLU6 outputs) shifts each output channel by Σ Δw · E[x]. It compounds through the linear bottleneck outputs and the residual ADDs (SNR down to ~14–16 dB, where min/max ranges of ±20–56 leave only ~10–20 int8 steps per RMS of signal) to 22.7 dB at the softmax. Bias correction (subtracting Σ Δw · E[x] per channel, E[x] from the calibration run) lifts the first layers by 4–7 dB and the whole trunk by 2–3 dB. The softmax's 1/256 output step was not the cause: a float SOFTMAX (or last FULLY_CONNECTED + SOFTMAX) tail removes the exact ties but not the flips. Clipping ranges (mse, percentile) lowers the probability error but moves near-ties either way. Also tried and not kept: one-shot empirical bias correction (the measured mean error of every layer's int8 output, all layers corrected at once) overcorrects, since each layer's error already contains its inputs' shift: agreement fell to 68 %; a sequential layer-by-layer version (one calibration pass per layer) would avoid that but costs ~70 passes. Per-channel fully connected weights made no difference in an earlier run.

The image set is whatever installed packages ship: it grew from 160 to ${images.length} images during this work (other engineers installed Python packages), so the held-out split, and these figures, change with the machine.
`;

writeResultsSection(fileURLToPath(new URL('./RESULTS.md', import.meta.url)), 'mobilenet-v2', section);
console.log(section);
