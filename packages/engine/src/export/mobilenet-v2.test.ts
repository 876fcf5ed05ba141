/**
 * The issue's "Done when" on a real pretrained model: nsfwjs' Keras MobileNetV2 as shipped in npm
 * (trunk + its own 5-class top) exports to float32, float16 and int8 with metadata; checked on
 * real images (the PNG/JPEG files installed packages ship, see real-images.ts) against TF.js.
 * ~35–60 s on 2 cores (more when other jobs share them): LiteRT.js calibrates ~5 samples/s.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { TfliteSession, loadLiteRtNode, parseModel, readLabels, readMetadata } from '@offgrid/tflite';
import { initWasmBackend } from '../backend/init-wasm.ts';
import { loadBackbone } from '../transfer/backbones.ts';
import { exportTfliteVariants } from './export-tflite.ts';
import { loadRealImages } from './real-images.ts';

/** Images compared against TF.js (float32), and the most used to calibrate int8 (the rest are held out). */
const TFJS_REFERENCE_IMAGES = 16;
const CALIBRATION_IMAGES = 100;
/**
 * The issue asks for int8 top-1 agreement ≥ 99 %. Measured (bench/export/RESULTS.md, default int8:
 * mse ranges + analytical bias correction): 489/493 = 99.2 % cross-validated over 5 folds of 493
 * real images (these plus a fixed set unpacked from Debian packages), mean abs probability error
 * 0.0061, every image where float32's top-1 margin is ≥ 0.1 agreeing; on a fresh machine's 160
 * images, this test's split (calibrate on the first 100, hold out the rest) agrees on 60/60 with
 * error 0.0057. The misses are near-ties of the float model (margin ≤ 0.1) on icons and textures.
 * Min/max without bias correction measured 479/493 and 0.0132. Bounds, with room for other
 * machines' images (a held-out set of ~60 gives 1.7 % an image): agreement ≥ 97 %, at most 2 flips
 * where the margin is ≥ 0.1, none where it is ≥ 0.5, mean abs probability error ≤ 0.008.
 */
const INT8_AGREEMENT_BOUND = 0.97;
const CONFIDENT_MARGIN = 0.5;
const CLEAR_MARGIN = 0.1;
const MAX_CLEAR_FLIPS = 2;
const INT8_MEAN_ABS_ERROR_BOUND = 0.008;

const argmax = (v: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
};

test('real MobileNetV2 (nsfwjs, as shipped): float32 matches TF.js, int8 agrees on real images, metadata round-trips', async (t) => {
  await initWasmBackend();
  await loadLiteRtNode();
  const backbone = await loadBackbone('mobilenet-v2-nsfwjs');
  const { info, pretrained } = backbone;
  const [size] = info.inputShape;
  const images = await loadRealImages({ size, mean: info.normalization.mean[0], std: info.normalization.std[0] });
  if (images.length < CALIBRATION_IMAGES + TFJS_REFERENCE_IMAGES) {
    t.skip(`only ${images.length} real images on this machine; need ${CALIBRATION_IMAGES + TFJS_REFERENCE_IMAGES}`);
    return;
  }
  // Disjoint: calibration first in hash order, everything else held out.
  const calibration = images.slice(0, CALIBRATION_IMAGES);
  const heldOut = images.slice(CALIBRATION_IMAGES);
  const labels = [...info.pretrainedLabels];

  const variants = await exportTfliteVariants(pretrained, {
    representativeData: calibration.map((i) => i.input),
    calibration: 'litert',
    metadata: { name: 'nsfwjs MobileNetV2', labels, normalization: { mean: [0], std: [255] }, license: 'MIT' },
  });

  // Sizes.
  const ratio = (p: 'float16' | 'int8') => variants[p].length / variants.float32.length;
  t.diagnostic(`bytes float32 ${variants.float32.length}, float16 ${variants.float16.length} (${ratio('float16').toFixed(3)}x), int8 ${variants.int8.length} (${ratio('int8').toFixed(3)}x)`);
  assert.ok(ratio('int8') <= 0.3, `int8 is ${ratio('int8').toFixed(3)}x float32`);
  assert.ok(ratio('float16') <= 0.52, `float16 is ${ratio('float16').toFixed(3)}x float32`);

  // Metadata on every variant: RGB image input, normalization (pixel − 0) / 255, labels in output order.
  for (const [precision, bytes] of Object.entries(variants)) {
    const { metadata, files } = readMetadata(bytes);
    assert.deepEqual(metadata?.inputs[0].content, { kind: 'image', colorSpace: 'RGB', width: size, height: size }, precision);
    assert.deepEqual(metadata?.inputs[0].normalization, { mean: [0], std: [255] }, precision);
    assert.deepEqual(readLabels(bytes), labels, precision);
    assert.ok(files.has('labels.txt'), precision);
  }
  assert.ok(parseModel(variants.int8).operators.some((o) => o.op === 'CONV_2D'));

  // LiteRT.js runs every held-out image through all three variants (the zip-appended files as is).
  const sessions = await Promise.all([variants.float32, variants.float16, variants.int8].map((bytes) => TfliteSession.create(bytes)));
  const outputs: Float32Array[][] = [[], [], []];
  try {
    for (const image of heldOut) for (const [k, session] of sessions.entries()) outputs[k].push((await session.run([image.input]))[0]);
  } finally {
    sessions.forEach((s) => s.close());
  }

  // float32 against TF.js (wasm backend), probabilities.
  const reference = heldOut.slice(0, TFJS_REFERENCE_IMAGES);
  const batch = new Float32Array(reference.length * size * size * 3);
  reference.forEach((image, i) => batch.set(image.input, i * image.input.length));
  const expected = tf.tidy(() => (pretrained.predict(tf.tensor4d(batch, [reference.length, size, size, 3])) as tf.Tensor).arraySync() as number[][]);
  let float32Error = 0;
  let float16Error = 0;
  expected.forEach((row, i) =>
    row.forEach((v, c) => {
      float32Error = Math.max(float32Error, Math.abs(outputs[0][i][c] - v));
      float16Error = Math.max(float16Error, Math.abs(outputs[1][i][c] - v));
    }),
  );
  t.diagnostic(`float32 vs TF.js max abs error ${float32Error.toExponential(2)}, float16 ${float16Error.toExponential(2)} (${reference.length} images)`);
  assert.ok(float32Error <= 1e-4, `float32 vs TF.js: max abs error ${float32Error}`);
  assert.ok(float16Error <= 1e-2, `float16 vs TF.js: max abs error ${float16Error}`);

  // int8 against float32 on every held-out image.
  const fmt = (p: Float32Array) => `[${Array.from(p, (v) => v.toFixed(3)).join(' ')}]`;
  const disagreements = heldOut
    .map((image, i) => ({ path: image.path, i }))
    .filter(({ i }) => argmax(outputs[2][i]) !== argmax(outputs[0][i]))
    .map(({ path, i }) => ({ path: `${path} float32 ${fmt(outputs[0][i])} int8 ${fmt(outputs[2][i])}` }));
  const agreement = 1 - disagreements.length / heldOut.length;
  const classes = labels.map((label, c) => `${label} ${outputs[0].filter((p) => argmax(p) === c).length}`).join(', ');
  t.diagnostic(`int8 top-1 agreement with float32 ${(agreement * 100).toFixed(1)}% on ${heldOut.length} held-out images (float32 top-1: ${classes}); disagreeing: ${disagreements.map((d) => d.path).join(', ') || 'none'}`);
  let sum = 0;
  heldOut.forEach((_, i) => outputs[2][i].forEach((v, c) => (sum += Math.abs(v - outputs[0][i][c]))));
  const meanAbsError = sum / heldOut.length / labels.length;
  t.diagnostic(`int8 vs float32 mean abs probability error ${meanAbsError.toFixed(4)}`);
  const margin = (p: Float32Array) => {
    const sorted = Array.from(p).sort((x, y) => y - x);
    return sorted[0] - sorted[1];
  };
  const flipsAbove = (minMargin: number) => {
    const above = heldOut.map((_, i) => i).filter((i) => margin(outputs[0][i]) >= minMargin);
    return { above, flips: above.filter((i) => argmax(outputs[2][i]) !== argmax(outputs[0][i])) };
  };
  const { above: confident, flips: confidentFlips } = flipsAbove(CONFIDENT_MARGIN);
  const clear = flipsAbove(CLEAR_MARGIN);
  t.diagnostic(`int8 top-1 agreement where float32's margin ≥ ${CLEAR_MARGIN}: ${clear.above.length - clear.flips.length}/${clear.above.length}; ≥ ${CONFIDENT_MARGIN}: ${confident.length - confidentFlips.length}/${confident.length}`);
  assert.ok(agreement >= INT8_AGREEMENT_BOUND, `int8 top-1 agreement ${agreement} < ${INT8_AGREEMENT_BOUND}`);
  assert.ok(confident.length >= heldOut.length / 2, `only ${confident.length} confident held-out images`);
  assert.deepEqual(confidentFlips.map((i) => heldOut[i].path), [], 'int8 flips a confident float32 prediction');
  assert.ok(clear.flips.length <= MAX_CLEAR_FLIPS, `int8 flips ${clear.flips.length} predictions whose float32 margin is ≥ ${CLEAR_MARGIN}: ${clear.flips.map((i) => heldOut[i].path).join(', ')}`);
  assert.ok(meanAbsError <= INT8_MEAN_ABS_ERROR_BOUND, `int8 mean abs probability error ${meanAbsError}`);
});
