/**
 * Export benchmark on a real pretrained model: nsfwjs' Keras MobileNetV2 as shipped in npm (trunk
 * + its 5-class top, 224x224x3). Export time and size of float32 / float16 / int8 (int8 calibrated
 * in LiteRT.js on 100 real images), LiteRT.js latency float32 vs int8 (interleaved, one process),
 * float32 vs TF.js error and int8/float16 top-1 agreement with float32 on held-out real images
 * (the PNG/JPEG files installed packages ship; see packages/engine/src/export/real-images.ts).
 * Writes its section of bench/export/RESULTS.md (after the MARKER line; the rest is kept).
 *
 *   node --import tsx bench/export/mobilenet-v2.ts [--runs 50] [--images DIR] [--sequential]
 *
 * --images DIR adds the images `bash bench/export/more-images.sh DIR` unpacks (a fixed list of
 * Debian packages, the same on every machine) to those installed packages ship; --sequential also
 * scores sequential empirical bias correction (≈ 2 minutes more per fold).
 */
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { writeResultsSection } from '../results-section.ts';
import * as tf from '@tensorflow/tfjs';
import { exportTflite, initWasmBackend } from '@offgrid/engine';
import type { Precision } from '@offgrid/engine';
import { TfliteSession, activationStatsLiteRt, calibrate, empiricalBiasShifts, loadLiteRtNode, parseModel, quantizeInt8, serializeModel } from '@offgrid/tflite';
import type { RangeMethod } from '@offgrid/tflite';
import { loadBackbone } from '../../packages/engine/src/transfer/backbones.ts';
import { IMAGE_ROOTS, loadRealImages } from '../../packages/engine/src/export/real-images.ts';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 50;
const CALIBRATION = 100;
const foldsArg = process.argv.indexOf('--folds');
const FOLDS = foldsArg > 0 ? Number(process.argv[foldsArg + 1]) : 5;
const imagesArg = process.argv.indexOf('--images');
const MORE_IMAGES = imagesArg > 0 ? process.argv[imagesArg + 1] : undefined;
const SEQUENTIAL = process.argv.includes('--sequential');
/** Samples the sequential empirical bias correction runs per layer (the first of the calibration set). */
const SEQUENTIAL_SAMPLES = 100;
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

function topMargin(p: Float32Array): number {
  const sorted = Array.from(p).sort((x, y) => y - x);
  return sorted[0] - sorted[1];
}

function machine(): string {
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  return `${cpu}, nproc ${execSync('nproc').toString().trim()}, Node ${process.version}`;
}

await initWasmBackend();
await loadLiteRtNode();
const { info, pretrained } = await loadBackbone('mobilenet-v2-nsfwjs');
const [size] = info.inputShape;
const normalization = { size, mean: info.normalization.mean[0], std: info.normalization.std[0] };
const images = await loadRealImages({ ...normalization, roots: MORE_IMAGES ? [...IMAGE_ROOTS, `${MORE_IMAGES}/files`] : IMAGE_ROOTS });
const installedImages = MORE_IMAGES ? (await loadRealImages(normalization)).length : images.length;
const morePackages = MORE_IMAGES ? readFileSync(`${MORE_IMAGES}/packages.txt`, 'utf8').trim().split('\n').join(', ') : '';
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

// int8 methods (quantizeInt8 options), scored honestly: k-fold cross-validation over all the
// images (fold f = images f, f + k, …; each fold held out once while the other folds calibrate),
// agreement summed over every image; plus the previous round's fixed splits A (calibrate on the
// first 100, score the rest) and B (calibrate on the last 100, score the rest). Files without the
// zip-appended labels.
interface Method { name: string; range: RangeMethod; biasCorrection: boolean; sequential: boolean }
const methods: Method[] = [
  { name: 'min/max', range: 'minmax', biasCorrection: false, sequential: false },
  { name: 'min/max + bias correction (analytical; the default until 2026-12-05)', range: 'minmax', biasCorrection: true, sequential: false },
  { name: 'mse + bias correction (analytical): **the default**', range: 'mse', biasCorrection: true, sequential: false },
  ...(SEQUENTIAL ? [{ name: 'min/max + bias correction + sequential empirical', range: 'minmax' as const, biasCorrection: true, sequential: true }] : []),
];
const allInputs = images.map((i) => i.input);
const floatBytes = serializeModel(float32Model).length;
const floatAll = await outputsOf(serializeModel(float32Model), allInputs);
// float16 weights need no calibration: their agreement over every image shows how sensitive this model's near-ties are to any weight rounding.
const float16All = await outputsOf(files.get('float16') as Uint8Array, allInputs);
const float16Agree = float16All.filter((p, i) => argmax(p) === argmax(floatAll[i])).length;
interface Score { agree: number; wide: number; wideOf: number; sumAbs: number; maxAbs: number; count: number; seconds: number[]; bytes: number; misses: string[] }
const newScore = (): Score => ({ agree: 0, wide: 0, wideOf: 0, sumAbs: 0, maxAbs: 0, count: 0, seconds: [], bytes: 0, misses: [] });
/** Calibrates on `calibrationIdx`, scores every method on `heldOutIdx`, adding into `scores` (one per method). */
async function evaluateSplit(label: string, calibrationIdx: number[], heldOutIdx: number[], scores: Score[]): Promise<void> {
  const calibrationInputs = calibrationIdx.map((i) => allInputs[i]);
  let start = performance.now();
  const stats = await activationStatsLiteRt(float32Model, calibrationInputs);
  const statsSeconds = (performance.now() - start) / 1000;
  const shiftsOf = new Map<RangeMethod, Awaited<ReturnType<typeof empiricalBiasShifts>>>();
  for (const [m, method] of methods.entries()) {
    start = performance.now();
    const ranges = stats.ranges(method.range);
    let biasShifts: Awaited<ReturnType<typeof empiricalBiasShifts>> | undefined;
    if (method.sequential) {
      biasShifts = shiftsOf.get(method.range) ?? await empiricalBiasShifts(float32Model, calibrationInputs.slice(0, SEQUENTIAL_SAMPLES), ranges, { biasCorrection: method.biasCorrection });
      shiftsOf.set(method.range, biasShifts);
    }
    const bytes = serializeModel(quantizeInt8(float32Model, { representativeData: calibrationInputs, ranges, biasCorrection: method.biasCorrection, biasShifts }));
    const seconds = statsSeconds + (performance.now() - start) / 1000;
    const q = await outputsOf(bytes, heldOutIdx.map((i) => allInputs[i]));
    const s = scores[m];
    s.seconds.push(seconds);
    s.bytes = bytes.length;
    q.forEach((p, k) => {
      const f = floatAll[heldOutIdx[k]];
      const same = argmax(p) === argmax(f);
      s.count++;
      if (same) s.agree++;
      else s.misses.push(`${info.pretrainedLabels[argmax(f)]}→${info.pretrainedLabels[argmax(p)]} (margin ${topMargin(f).toFixed(3)})`);
      if (topMargin(f) >= 0.1) {
        s.wideOf++;
        if (same) s.wide++;
      }
      p.forEach((v, c) => {
        s.sumAbs += Math.abs(v - f[c]);
        s.maxAbs = Math.max(s.maxAbs, Math.abs(v - f[c]));
      });
    });
    console.error(`${label} ${method.name}: ${s.agree}/${s.count} so far, ${seconds.toFixed(1)} s`);
  }
}
const indices = images.map((_, i) => i);
const crossValidated = methods.map(newScore);
for (let fold = 0; fold < FOLDS; fold++) {
  await evaluateSplit(`fold ${fold + 1}/${FOLDS}`, indices.filter((i) => i % FOLDS !== fold), indices.filter((i) => i % FOLDS === fold), crossValidated);
}
const splitA = methods.map(newScore);
await evaluateSplit('split A', indices.slice(0, CALIBRATION), indices.slice(CALIBRATION), splitA);
const splitB = methods.map(newScore);
await evaluateSplit('split B', indices.slice(images.length - CALIBRATION), indices.slice(0, images.length - CALIBRATION), splitB);
const pct = (a: number, n: number) => `${a}/${n} = ${((a / n) * 100).toFixed(1)} %`;
const mean = (v: number[]) => v.reduce((p, x) => p + x, 0) / v.length;
const methodRows = methods.map((method, m) => {
  const s = crossValidated[m];
  return `| ${method.name} | ${pct(s.agree, s.count)} | ${s.wide}/${s.wideOf} | ${(s.sumAbs / s.count / info.pretrainedLabels.length).toFixed(4)} | ${s.maxAbs.toFixed(3)} | ${mean(s.seconds).toFixed(0)} | ${(s.bytes / floatBytes).toFixed(3)} | ${splitA[m].agree}/${splitA[m].count} | ${splitB[m].agree}/${splitB[m].count} |`;
}).join('\n');
const missRows = methods.map((method, m) => `- ${method.name}: ${crossValidated[m].misses.join(', ') || 'none'}`).join('\n');
const foldCalibration = images.length - Math.ceil(images.length / FOLDS);
// Where the default stands against the issue's 99 %, and what the sequential correction changed.
const [plain, minmax, chosen, sequential] = crossValidated;
const needed = Math.ceil(0.99 * chosen.count);
const nearTies = chosen.count - chosen.wideOf;
const meanAbsOf = (s: Score) => (s.sumAbs / s.count / info.pretrainedLabels.length).toFixed(4);
const standing = `Against the issue's 99 %: the default (mse ranges + analytical bias correction) agrees on ${pct(chosen.agree, chosen.count)} cross-validated; 99 % needs ${needed}/${chosen.count}${chosen.agree >= needed ? ', met' : `, ${needed - chosen.agree} image${needed - chosen.agree === 1 ? '' : 's'} short`}. Min/max ranges with the same correction (the default until 2026-12-05): ${pct(minmax.agree, minmax.count)}, mean abs probability error ${meanAbsOf(minmax)} against ${meanAbsOf(chosen)}, max ${minmax.maxAbs.toFixed(3)} against ${chosen.maxAbs.toFixed(3)}. ${nearTies} of the ${chosen.count} images are near-ties for float32 itself (top-1 margin < 0.1; icons, plots and textures, outside the photo domain of this top, where Drawing and Neutral come first); the default's error is of the order of such margins, so which of them flip depends on the calibration set (split A ${splitA[2].count - splitA[2].agree} misses, split B ${splitB[2].count - splitB[2].agree}). Where float32's margin is ≥ 0.1 it agrees on ${chosen.wide}/${chosen.wideOf}. Without bias correction (min/max): ${pct(plain.agree, plain.count)}. For scale: float16 weights (no calibration, ~8 times finer than int8's steps) agree on ${pct(float16Agree, images.length)}.

${sequential ? `Sequential empirical bias correction (\`empiricalBiasShifts\`, measured here on min/max ranges, not the default): ${pct(sequential.agree, sequential.count)} cross-validated, mean abs probability error ${meanAbsOf(sequential)} against ${meanAbsOf(minmax)} for min/max + analytical correction, max ${sequential.maxAbs.toFixed(3)} against ${minmax.maxAbs.toFixed(3)}, and ${(mean(sequential.seconds) - mean(minmax.seconds)).toFixed(0)} s more per export (${((mean(sequential.seconds) - mean(minmax.seconds)) / float32Model.operators.filter((o) => ['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED'].includes(o.op)).length).toFixed(1)} s a layer: quantizing, compiling and running the int8 graph up to that layer on ${SEQUENTIAL_SAMPLES} images). ${sequential.agree > minmax.agree ? 'It agrees more often, at that cost.' : 'It does not agree more often, so the default stays the analytical correction for every model size: its cost is nothing beyond the calibration pass the export runs anyway.'}` : 'Sequential empirical bias correction (`empiricalBiasShifts`, not the default; run this script with --sequential to score it): on 2026-11-25, over the 250 images that machine had, 245/250 against 247/250 for the analytical correction, max abs probability error 0.325 against 0.162, and ~110 s more per export.'}`;
const foldSizes = [...new Set([foldCalibration, images.length - Math.floor(images.length / FOLDS)])].join('–');

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
Command: \`${MORE_IMAGES ? `bash bench/export/more-images.sh ${MORE_IMAGES} && ` : ''}node --import tsx bench/export/mobilenet-v2.ts --runs ${RUNS}${MORE_IMAGES ? ` --images ${MORE_IMAGES}` : ''}${SEQUENTIAL ? ' --sequential' : ''}\`. Test: \`node --import tsx --test packages/engine/src/export/mobilenet-v2.test.ts\` (asserts the bounds below, ~35–60 s).

Model: Keras MobileNetV2 (alpha 1.0) trunk + its own top (dense 256 relu, dense 128 relu, dense 5 softmax: ${info.pretrainedLabels.join(', ')}), 224x224x3, input pixels/255; loaded offline with \`loadBackbone('mobilenet-v2-nsfwjs').pretrained\`, exported with TFLite Metadata (RGB, mean [0], std [255], labels).
Images: ${images.length} distinct PNG/JPEG files: ${installedImages} that installed packages ship (icons, documentation figures, logos; a fresh machine after \`scripts/setup.sh\` has 160)${MORE_IMAGES ? ` and ${images.length - installedImages} more from Debian packages unpacked by \`bench/export/more-images.sh\` (${morePackages}: game textures and sprites, image-processing examples and photos, wallpapers)` : ''}, centre-cropped and area-resized like the app does; ${CALIBRATION} calibrate int8, the other ${heldOut.length} are held out (float32 top-1 on them: ${classes}). They are mostly out of the photo domain the top was trained on.
Export time includes lowering and metadata; int8 (the default: mse ranges + bias correction) includes calibration in LiteRT.js (\`calibration: 'litert'\`, ${CALIBRATION} samples). The TypeScript reference interpreter (the default calibrator) takes ${(interpreterPerSample / 1000).toFixed(2)} s a sample on this model, i.e. ~${((interpreterPerSample * CALIBRATION) / 1000).toFixed(0)} s for ${CALIBRATION}.
Latency: LiteRT.js 'wasm', one thread, batch 1, ${RUNS} interleaved float32/int8 runs after 5 warm-up runs, input copy and output read-back included. Other jobs share this 2-core machine: absolute numbers are noisy, the ratio is the figure to read. TF.js wasm predict for comparison: ${tfjsPerImage.toFixed(0)} ms an image (batch ${reference.length}).

| precision | export ms | file bytes | × float32 | LiteRT.js latency median / p90 (ms) | accuracy on held-out real images |
|---|---:|---:|---:|---:|---|
${row('float32', 0, latency(0), `vs TF.js (${reference.length} images): max abs error ${maxError(0).toExponential(1)} on probabilities`)}
${row('float16', 1, '—', `vs TF.js: max abs error ${maxError(1).toExponential(1)}; top-1 agreement with float32 ${agreement(1)}/${heldOut.length}`)}
${row('int8', 2, latency(1), `top-1 agreement with float32 ${agreement(2)}/${heldOut.length} = ${((agreement(2) / heldOut.length) * 100).toFixed(1)} %; mean abs probability error ${meanAbs(2).toFixed(4)}`)}

int8 top-1 agreement with float32 where float32 is confident (top-1 margin p1 − p2 ≥ 0.5): ${confidentAgree}/${confident.length}.

${agreement(2) / heldOut.length >= 0.99 ? 'The default int8 export meets the issue\'s 99 % agreement target on these held-out images.' : `The default int8 export misses the issue's 99 % agreement target on these held-out images (split A; cross-validated figures below): ${misses.length} misses (${pairCounts}), all with a float32 top-1 margin ≤ ${Math.max(...misses.map((i) => margin(outputs[0][i]))).toFixed(2)} (near-ties of the float model on images outside the photo domain of this top). This split calibrates on ${CALIBRATION} images; the cross-validated figures below calibrate on ${images.length - Math.ceil(images.length / FOLDS)} or more.`}

### int8 methods (\`quantizeInt8\` options), cross-validated

The same float32 model quantized by each method and scored against float32 top-1 on images it was not calibrated on. Cross-validated: the ${images.length} images in ${FOLDS} disjoint folds (image i in fold i mod ${FOLDS}); each fold is held out once while the other ${FOLDS - 1} (${foldSizes} images) calibrate, and agreement is summed over all ${images.length} images. Split A (calibrate on the first ${CALIBRATION}, score the other ${images.length - CALIBRATION}) and split B (calibrate on the last ${CALIBRATION}, score the other ${images.length - CALIBRATION}) are the previous round's fixed splits. Export s: mean over the folds of LiteRT.js calibration (${foldSizes} images)${SEQUENTIAL ? ` + sequential correction (its first ${SEQUENTIAL_SAMPLES} calibration images, one LiteRT.js run of the int8 graph up to each of the ${float32Model.operators.filter((o) => ['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED'].includes(o.op)).length} conv/FC layers)` : ''} + quantization. Sizes are without the zip-appended labels: bias correction and range methods change only int32 bias values and scales (same ops, same size, same latency).

| method | agreement, cross-validated | where float32 margin ≥ 0.1 | mean abs prob. error | max abs prob. error | export s | × float32 | agreement (split A) | agreement (split B) |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
${methodRows}

Cross-validated misses (float32 → int8 top-1, float32 top-1 margin):
${missRows}

${standing}

Diagnosis (measured once with a per-layer probe: every activation of the float32 model and the DEQUANTIZEd activations of the int8 model as LiteRT.js outputs, SNR = Σf² / Σ(q − f)² on 20 held-out images; not re-run by this script): with min/max ranges the error is there from the first convolution (SNR 37.8 dB where its 1/255-of-[0, 6] step alone would allow ~50 dB) and most of it is a per-channel mean shift (rms per-channel mean error 0.026 of a total 0.030): rounding the weights of a layer whose inputs have a positive mean (images, ReLU6 outputs) shifts each output channel by Σ Δw · E[x]. It compounds through the linear bottleneck outputs and the residual ADDs (SNR down to ~14–16 dB, where min/max ranges of ±20–56 leave only ~10–20 int8 steps per RMS of signal) to 22.7 dB at the softmax. Bias correction (subtracting Σ Δw · E[x] per channel, E[x] from the calibration run) lifts the first layers by 4–7 dB and the whole trunk by 2–3 dB. The softmax's 1/256 output step was not the cause: a float SOFTMAX (or last FULLY_CONNECTED + SOFTMAX) tail removes the exact ties but not the flips. Clipping ranges (mse) lowers the probability error on every image set measured; on the 250 images of 2026-11-25 it flipped one near-tie more than min/max (246 against 247/250), on the 493 of 2026-12-05 three fewer (the table above). Also tried and not kept: one-shot empirical bias correction (the measured mean error of every layer's int8 output, all layers corrected at once) overcorrects, since each layer's error already contains its inputs' shift: agreement fell to 68 %; the sequential version, one pass per layer, is scored with --sequential. Measured once with a variant of this script, on the first 2 of the 5 folds (100 images): sequential correction of the conv layers only (the 3 FULLY_CONNECTED layers, whose means come from one position per image, left to the analytical correction) agreed on 97/100 like correcting all layers (97/100), against 100/100 for the analytical correction alone, so its loss is not the noise of the classifier layers' estimates. Previous round, split A only, not re-run by this script: a float SOFTMAX tail 138/150 (147/150 with bias correction), a float last FULLY_CONNECTED + SOFTMAX 139/150, percentile 99.99 % ranges 141/150 (145/150 with bias correction), mse without bias correction 143/150; per-channel fully connected weights made no difference. A float tail or a float first layer would not be full-integer anyway. Where the remaining error comes from (measured once on 2026-12-05, 160 images, calibrated and scored on all of them, LiteRT.js; scripts on the unmerged branch \`wip/gptq-weight-rounding\`, \`bench/export/_ablate.ts\`): the float model with only its weights rounded to int8 (activations float) has a mean abs probability error of 0.0120 (155/160 agree), 0.0039 with bias correction; by layer kind, depthwise weights 0.0114, conv 0.0038, fully connected 0.0006 — the depthwise layers' 9 taps per channel over smooth, positive inputs turn rounding into mean shifts that bias correction removes. Full int8: min/max + correction 0.0082, mse + correction 0.0058, so after correction weight and activation rounding contribute about equally. Tried and not kept: GPTQ weight rounding (Frantar et al. 2022: each output channel's weights rounded in turn, the rest absorbing the error weighted by the layer's input second moments E[x xᵀ] from the calibration run; same grid, same file; 7 s per export on top of ~70 s to collect the moments): weights-only error 0.0037 (against 0.0039 for nearest + correction), and 5-fold cross-validated 157/160 against 160/160 for min/max or mse + correction — lower mean error, more flips on held-out images (it fits the calibration set's second moments). AdaRound (a learned rounding per weight, ~2.6 M weights in 55 layers) was not tried: GPTQ solves the same per-layer objective in closed form, and did not help.

The installed packages' images vary with the machine (250 on the machine of 2026-11-25, after other engineers installed Python packages; 160 on a fresh one); \`--images\` adds a fixed set unpacked from Debian packages, so a run with it is comparable across machines.
`;

writeResultsSection(fileURLToPath(new URL('./RESULTS.md', import.meta.url)), 'mobilenet-v2', section);
console.log(section);
