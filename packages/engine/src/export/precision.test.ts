/**
 * float16 and int8 exports checked through LiteRT.js against the float32 export: the product
 * CNN trained briefly (wasm backend, ~seconds) on a separable synthetic dataset, so top-1
 * agreement is measured on a model with real decision margins; and the residual model
 * (BatchNorm, depthwise, Add, concat) with seeded random weights for value closeness.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { TfliteSession, loadLiteRtNode, parseModel, readLabels, readMetadata } from '@offgrid/tflite';
import { initWasmBackend } from '../backend/init-wasm.ts';
import { createRandom } from '../util/random.ts';
import { MODEL_FAMILIES } from '../families/registry.ts';
import { exportTflite, exportTfliteVariants } from './export-tflite.ts';
import { NUM_CLASSES, randomizeWeights, residualModel } from './test-models.ts';

const LABELS = ['red', 'green', 'blue', 'yellow', 'stripes'];
const PIXELS = 32 * 32 * 3;

/** Class k: a randomly placed 10x10 patch of colour/pattern k on noise, values in [0, 1]. */
function syntheticImage(label: number, random: () => number): Float32Array {
  const image = Float32Array.from({ length: PIXELS }, () => random() * 0.4);
  const top = Math.floor(random() * 22);
  const left = Math.floor(random() * 22);
  for (let y = top; y < top + 10; y++)
    for (let x = left; x < left + 10; x++) {
      const at = (y * 32 + x) * 3;
      if (label < 3) image[at + label] = 0.7 + random() * 0.3;
      else if (label === 3) [image[at], image[at + 1]] = [0.8 + random() * 0.2, 0.8 + random() * 0.2];
      else image.fill(y % 2 === 0 ? 1 : 0, at, at + 3);
    }
  return image;
}

function dataset(count: number, seed: number): { images: Float32Array[]; labels: number[] } {
  const random = createRandom(seed).next;
  const labels = Array.from({ length: count }, (_, i) => i % NUM_CLASSES);
  return { images: labels.map((l) => syntheticImage(l, random)), labels };
}

const argmax = (v: Float32Array) => v.indexOf(Math.max(...v));

async function predictAll(bytes: Uint8Array, inputs: readonly Float32Array[]): Promise<Float32Array[]> {
  const session = await TfliteSession.create(bytes);
  try {
    const outputs: Float32Array[] = [];
    for (const x of inputs) outputs.push((await session.run([x]))[0]);
    return outputs;
  } finally {
    session.close();
  }
}

let trained: tf.LayersModel;
const train = dataset(600, 1);
const heldOut = dataset(250, 2);

before(async () => {
  await initWasmBackend();
  await loadLiteRtNode();
  trained = MODEL_FAMILIES['small-cnn'].build({}, [32, 32, 3], NUM_CLASSES, 3);
  trained.compile({ optimizer: tf.train.adam(0.003), loss: 'sparseCategoricalCrossentropy' });
  const xs = tf.tensor4d(Float32Array.from(train.images.flatMap((i) => Array.from(i))), [train.images.length, 32, 32, 3]);
  const ys = tf.tensor1d(train.labels, 'float32');
  await trained.fit(xs, ys, { epochs: 4, batchSize: 32, shuffle: true, verbose: 0 });
  tf.dispose([xs, ys]);
});

test('trained CNN: int8 agrees with float32 on ≥ 99% of 250 held-out inputs; sizes ≤ 0.30x / 0.55x', async () => {
  const variants = await exportTfliteVariants(trained, {
    representativeData: train.images.slice(0, 100),
    metadata: { labels: LABELS, normalization: { mean: [0], std: [255] }, author: 'Offgrid tests', license: 'MIT', version: '1' },
  });
  const float32 = await predictAll(variants.float32, heldOut.images);
  const float16 = await predictAll(variants.float16, heldOut.images);
  const int8 = await predictAll(variants.int8, heldOut.images);
  const accuracy = float32.filter((p, i) => argmax(p) === heldOut.labels[i]).length / heldOut.labels.length;
  const agree16 = float16.filter((p, i) => argmax(p) === argmax(float32[i])).length / float32.length;
  const agree8 = int8.filter((p, i) => argmax(p) === argmax(float32[i])).length / float32.length;
  const maxProbabilityError = Math.max(...int8.flatMap((p, i) => Array.from(p, (v, k) => Math.abs(v - float32[i][k]))));
  const ratio16 = variants.float16.length / variants.float32.length;
  const ratio8 = variants.int8.length / variants.float32.length;
  console.log(`float32 held-out accuracy ${accuracy}; top-1 agreement float16 ${agree16}, int8 ${agree8}; int8 max |Δp| ${maxProbabilityError.toFixed(4)}; sizes ${variants.float32.length} / ${variants.float16.length} (${ratio16.toFixed(3)}x) / ${variants.int8.length} (${ratio8.toFixed(3)}x)`);
  assert.ok(accuracy >= 0.9, `training too short to give margins: float32 accuracy ${accuracy}`);
  assert.equal(agree16, 1);
  assert.ok(agree8 >= 0.99, `int8 top-1 agreement ${agree8}`);
  assert.ok(ratio8 <= 0.3, `int8 file ${ratio8.toFixed(3)}x float32`);
  assert.ok(ratio16 <= 0.55, `float16 file ${ratio16.toFixed(3)}x float32`);
  // Every variant carries the same metadata and labels, and keeps float32 I/O for LiteRT.js.
  for (const bytes of Object.values(variants)) {
    assert.deepEqual(readLabels(bytes), LABELS);
    const { metadata } = readMetadata(bytes);
    assert.equal(metadata?.name, trained.name);
    assert.deepEqual(metadata?.inputs[0].normalization, { mean: [0], std: [255] });
    assert.deepEqual(metadata?.inputs[0].content, { kind: 'image', colorSpace: 'RGB', width: 32, height: 32 });
    const parsed = parseModel(bytes);
    assert.deepEqual([parsed.tensors[parsed.inputs[0]].dtype, parsed.tensors[parsed.outputs[0]].dtype], ['float32', 'float32']);
  }
  const inner = parseModel(variants.int8).operators.map((o) => o.op);
  assert.deepEqual(inner, ['QUANTIZE', 'CONV_2D', 'MAX_POOL_2D', 'CONV_2D', 'MAX_POOL_2D', 'RESHAPE', 'FULLY_CONNECTED', 'FULLY_CONNECTED', 'SOFTMAX', 'DEQUANTIZE']);
});

test('trained CNN: uint8 I/O int8 export runs in LiteRT.js and agrees with float32', async () => {
  const bytes = await exportTflite(trained, { quantize: 'int8', io: 'uint8', representativeData: train.images.slice(0, 100) });
  const parsed = parseModel(bytes);
  const input = parsed.tensors[parsed.inputs[0]];
  assert.equal(input.dtype, 'uint8');
  const [scale, zeroPoint] = [input.quantization?.scale[0] as number, Number(input.quantization?.zeroPoint[0])];
  const float32 = await predictAll(await exportTflite(trained), heldOut.images.slice(0, 50));
  const session = await TfliteSession.create(bytes);
  try {
    let agree = 0;
    for (const [i, x] of heldOut.images.slice(0, 50).entries()) {
      const [q] = await session.run([Uint8Array.from(x, (v) => Math.max(0, Math.min(255, Math.round(v / scale) + zeroPoint)))]);
      if (argmax(q) === argmax(float32[i])) agree++;
    }
    assert.ok(agree >= 49, `uint8 I/O agreement ${agree}/50`);
  } finally {
    session.close();
  }
});

test('residual model (BatchNorm, depthwise, Add, pad, concat) quantizes; int8 stays close to float32', async () => {
  const random = createRandom(5).next;
  const image = () => Float32Array.from({ length: PIXELS }, () => random() * 3 - 1);
  const calibration = Array.from({ length: 100 }, image);
  for (const output of ['featureMap', 'probabilities'] as const) {
    const model = residualModel(output);
    randomizeWeights(model, 11);
    const float32 = await exportTflite(model);
    const int8 = await exportTflite(model, { quantize: 'int8', representativeData: calibration });
    const inputs = calibration.slice(0, 20);
    const want = await predictAll(float32, inputs);
    const got = await predictAll(int8, inputs);
    const values = want.flatMap((w) => Array.from(w));
    const range = Math.max(...values) - Math.min(...values);
    const maxError = Math.max(...got.flatMap((g, i) => Array.from(g, (v, k) => Math.abs(v - want[i][k]))));
    console.log(`residual ${output}: int8 max abs error ${maxError.toFixed(4)} over a float range of ${range.toFixed(3)}`);
    // Tolerance: 5% of the output range for the feature map (7 quantized layers deep), 0.05 absolute on probabilities.
    assert.ok(output === 'featureMap' ? maxError <= 0.05 * range : maxError <= 0.05, `${output}: max abs error ${maxError}`);
  }
});
