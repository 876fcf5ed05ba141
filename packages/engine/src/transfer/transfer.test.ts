import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadLiteRtNode, runTflite } from '@offgrid/tflite';
import { initWasmBackend } from '../backend/init-wasm.ts';
import { exportTflite } from '../export/export-tflite.ts';
import { MODEL_FAMILIES } from '../families/registry.ts';
import { fit } from '../train/fit.ts';
import { createRandom } from '../util/random.ts';
import { BACKBONES, loadBackbone } from './backbones.ts';
import { composeClassifier, embedSamples, isTfliteBackbone } from './embed.ts';
import { importBackbone } from './registry.ts';

await initWasmBackend();

/** Eight 64×64 images, pixels/255: red-ish vs blue-ish with noise (resized to 224 by embedSamples). */
function photos(): { x: Float32Array; shape: number[]; targets: number[] } {
  const random = createRandom(1);
  const shape = [64, 64, 3];
  const x = new Float32Array(8 * 64 * 64 * 3);
  const targets = [0, 1, 0, 1, 0, 1, 0, 1];
  targets.forEach((t, i) => {
    for (let p = 0; p < 64 * 64; p++) for (let c = 0; c < 3; c++) {
      const base = (t === 0 ? [0.8, 0.2, 0.2] : [0.2, 0.3, 0.8])[c];
      x[(i * 64 * 64 + p) * 3 + c] = Math.min(1, Math.max(0, base + (random.next() - 0.5) * 0.4));
    }
  });
  return { x, shape, targets };
}

test('backbone registry records source, checksum, input, normalisation and licence', () => {
  const info = BACKBONES['mobilenet-v2-nsfwjs'];
  assert.ok(Object.isFrozen(BACKBONES) && Object.isFrozen(info));
  assert.match(info.sha256, /^[0-9a-f]{64}$/);
  assert.deepEqual(info.inputShape, [224, 224, 3]);
  assert.equal(info.license, 'MIT');
});

test('nsfwjs MobileNetV2 trunk loads offline, embeds once (cached), a head trains, and the composed model exports', async () => {
  const backbone = await loadBackbone();
  assert.deepEqual(backbone.model.outputs[0].shape, [null, 1280]);
  assert.equal(backbone.model.countParams(), BACKBONES['mobilenet-v2-nsfwjs'].parameters);
  const data = photos();
  const cache = new Map<string, Float32Array>();
  const embedded = await embedSamples(backbone, data, { cache, batchSize: 8 });
  assert.deepEqual(embedded.shape, [1280]);
  assert.equal(cache.size, 8);
  const again = await embedSamples(backbone, data, { cache, onProgress: () => assert.fail('cached samples are not embedded again') });
  assert.deepEqual(again.x, embedded.x);

  const result = await fit(embedded, (seed) => MODEL_FAMILIES.mlp.build({ layers: 1, units: 32 }, [1280], 2, seed), {
    numClasses: 2, budgetSeconds: 20, epochs: 10, batchSize: 4, validationSplit: 0.25, seed: 1,
  });
  assert.equal(result.metrics.valAccuracy, 1);

  await loadLiteRtNode();
  const classifier = composeClassifier(backbone, result.model);
  const bytes = await exportTflite(classifier);
  const image = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(data.x.subarray(0, 64 * 64 * 3), [1, 64, 64, 3]), [224, 224]));
  const expected = tf.tidy(() => (classifier.predict(image) as tf.Tensor).dataSync());
  const [actual] = await runTflite(bytes, [image.dataSync() as Float32Array]);
  image.dispose();
  const error = Math.max(...actual.map((v, i) => Math.abs(v - expected[i])));
  assert.ok(error <= 1e-4, `max abs error ${error}`);
  assert.ok(actual[0] > 0.5, 'first (red) image classified as class 0 by the exported model');
  result.model.dispose();
});

test('the real MobileNetV2 trunk exported to a float .tflite imports as a backbone and embeds as the TF.js trunk does', async () => {
  const backbone = await loadBackbone();
  const dir = await mkdtemp(join(tmpdir(), 'offgrid-mnv2-tflite-'));
  try {
    await writeFile(join(dir, 'mnv2.tflite'), await exportTflite(backbone.model));
    const { info, warnings } = await importBackbone(join(dir, 'mnv2.tflite'), { dataDir: dir, license: 'MIT', normalization: backbone.info.normalization });
    assert.deepEqual(warnings, []);
    assert.deepEqual([info.inputShape, info.featureSize], [[224, 224, 3], 1280]);
    // The export folds BatchNorm into the convolutions: fewer stored weights than the Keras count.
    assert.ok(info.parameters > 0.95 * backbone.info.parameters && info.parameters < backbone.info.parameters, `${info.parameters}`);
    const imported = await loadBackbone('mnv2', { dataDir: dir });
    assert.ok(isTfliteBackbone(imported));
    const data = photos();
    const few = { x: data.x.subarray(0, 2 * 64 * 64 * 3), shape: data.shape, targets: data.targets.slice(0, 2) };
    const [fromTflite, fromTfjs] = [await embedSamples(imported, few), await embedSamples(backbone, few)];
    const scale = Math.max(...fromTfjs.x.map(Math.abs));
    const error = Math.max(...fromTflite.x.map((v, i) => Math.abs(v - fromTfjs.x[i])));
    assert.ok(error / scale < 1e-4, `relative error ${error / scale}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
