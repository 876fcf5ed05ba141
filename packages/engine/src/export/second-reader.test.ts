// Arm NN, a reader that shares no code with TFLite, runs every family's exported files (float32 and full-integer
// int8, as the pipeline ships them) and must compute what LiteRT.js computes: our files mean what we think, not just
// what one runtime tolerates. Text models cannot be checked there: Arm NN 20.08 (Debian 12) has no GATHER, the
// embedding lookup every text model starts with; the last test pins that refusal, so a newer Arm NN shows up.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { firstOutputs, loadLiteRtNode, parseModel, quantizeInt8, serializeModel, withInputStandardization } from '@offgrid/tflite';
import { runArmNn } from '@offgrid/tflite/armnn';
import { initWasmBackend } from '../backend/init-wasm.ts';
import { createRandom } from '../util/random.ts';
import { MODEL_FAMILIES } from '../families/registry.ts';
import { exportTflite, int8FloatOperators } from './export-tflite.ts';

/** Each non-text family on the sample shapes the product gives it (image, log-mel picture, motion window, table row). */
const CASES: { family: keyof typeof MODEL_FAMILIES; shape: number[] }[] = [
  { family: 'small-cnn', shape: [32, 32, 3] },
  { family: 'small-cnn', shape: [49, 40, 1] },
  { family: 'mobilenet', shape: [32, 32, 3] },
  { family: 'cnn1d', shape: [50, 6] },
  { family: 'mlp', shape: [13] },
  { family: 'linear', shape: [13] },
];
const CLASSES = 4;

before(async () => {
  await initWasmBackend();
  await loadLiteRtNode();
});

const samples = (shape: number[], count: number, seed: number) => {
  const random = createRandom(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: count }, () => Float32Array.from({ length: size }, () => random.next() * 2 - 1));
};

/** Largest |Δ| between the two readers' probabilities, and how many samples they rank first alike. */
function compare(a: Float32Array[], b: Float32Array[]): { worst: number; sameTop: number } {
  const top = (p: Float32Array) => p.indexOf(Math.max(...p));
  let worst = 0;
  for (let i = 0; i < a.length; i++) for (let c = 0; c < a[i].length; c++) worst = Math.max(worst, Math.abs(a[i][c] - b[i][c]));
  return { worst, sameTop: a.filter((p, i) => top(p) === top(b[i])).length };
}

for (const { family, shape } of CASES) {
  test(`${family} [${shape}]: Arm NN computes what LiteRT.js does, float32 and int8`, { timeout: 120_000 }, async (context) => {
    const model = MODEL_FAMILIES[family].build({}, shape, CLASSES, 3);
    // Weights away from their small initial values, so the probabilities are not all ≈ 1/4.
    model.setWeights(model.getWeights().map((w, i) => (w.shape.length > 1 ? tf.randomUniform(w.shape, -0.5, 0.5, 'float32', 10 + i) : w.clone())));
    const float32 = await exportTflite(model);
    const int8 = await exportTflite(model, { quantize: 'int8', representativeData: samples(shape, 100, 1) });
    model.dispose();
    const held = samples(shape, 12, 2);
    for (const [variant, bytes, tolerance] of [['float32', float32, 1e-4], ['int8', int8, 2 / 256]] as const) {
      const armNn = runArmNn(bytes, held);
      const { worst, sameTop } = compare(armNn, await firstOutputs(bytes, held));
      // Informative outputs, so that agreeing means something: not all near the uniform 1/4.
      assert.ok(armNn.some((p) => Math.max(...p) - Math.min(...p) > 0.1), `${variant}: near-uniform outputs ${armNn.map((p) => Array.from(p))}`);
      context.diagnostic(`${variant}: max |Δp| ${worst.toExponential(2)}, same top-1 on ${sameTop}/${held.length}`);
      assert.ok(worst <= tolerance, `${variant}: the readers differ by ${worst}`);
    }
  });
}

test('a table model that standardizes inside (float MUL/ADD in front of an int8 graph) reads the same in Arm NN', async () => {
  const scaling = { mean: [750, 1, -20, 0.05, 3, 100, 0, 2, 9, 40, 0.5, 1, 7], std: [300, 0.2, 5, 0.01, 1, 30, 1, 0.5, 2, 9, 0.1, 1, 3] };
  const model = MODEL_FAMILIES.mlp.build({}, [13], CLASSES, 4);
  model.setWeights(model.getWeights().map((w, i) => (w.shape.length > 1 ? tf.randomUniform(w.shape, -0.5, 0.5, 'float32', 30 + i) : w.clone())));
  const float32 = parseModel(await exportTflite(model));
  model.dispose();
  const standardized = samples([13], 100, 5);
  const int8 = quantizeInt8(float32, { representativeData: standardized, floatOperators: int8FloatOperators(float32) });
  const raw = samples([13], 12, 6).map((x) => x.map((v, c) => scaling.mean[c] + v * 2 * scaling.std[c]));
  for (const [variant, inside, tolerance] of [['float32', float32, 1e-4], ['int8', int8, 2 / 256]] as const) {
    const bytes = serializeModel(withInputStandardization(inside, scaling));
    const { worst } = compare(runArmNn(bytes, raw), await firstOutputs(bytes, raw));
    assert.ok(worst <= tolerance, `${variant}: the readers differ by ${worst}`);
  }
});

test('the runner says why Arm NN refuses a file: not a model; a text model (no GATHER in Arm NN 20.08)', async () => {
  assert.throws(() => runArmNn(new Uint8Array(64), [new Float32Array(4)]), /Arm NN could not run the model: \w+/);
  const model = MODEL_FAMILIES.text.build({}, [16], CLASSES, 2, { vocabularySize: 50 });
  const bytes = await exportTflite(model);
  model.dispose();
  assert.throws(() => runArmNn(bytes, [new Float32Array(16)]), /Arm NN could not run the model: .*Operator not supported.*GATHER/);
});
