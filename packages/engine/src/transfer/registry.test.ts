import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { GraphBuilder, evaluate, quantizeInt8, parseModel, runTflite, loadLiteRtNode, serializeModel, readLabels } from '@offgrid/tflite';
import { initWasmBackend } from '../backend/init-wasm.ts';
import { exportTflite, exportTfliteModel } from '../export/export-tflite.ts';
import { createRandom } from '../util/random.ts';
import { loadBackbone } from './backbones.ts';
import { composeClassifier, embedSamples, isTfliteBackbone } from './embed.ts';
import { composeTfliteClassifier } from './tflite-graph.ts';
import { trainTransferHead } from './head.ts';
import { backbonesDir, importBackbone, listBackbones, loadImportedBackbone } from './registry.ts';

await initWasmBackend();
await loadLiteRtNode();

const root = await mkdtemp(join(tmpdir(), 'offgrid-backbones-'));
process.on('exit', () => void rm(root, { recursive: true, force: true }));
let folders = 0;
const freshDir = async (): Promise<string> => {
  const dir = join(root, `d${folders++}`);
  await mkdir(dir, { recursive: true });
  return dir;
};

/** A tiny Keras-style classifier: [16,16,3] → conv → global pool → dense 8 ("features") → dropout → dense 3 softmax. */
function tinyClassifier(options: { rescaling?: boolean; inputShape?: number[] } = {}): tf.LayersModel {
  const random = createRandom(5);
  const init = () => tf.initializers.glorotUniform({ seed: random.nextSeed() });
  const input = tf.input({ shape: options.inputShape ?? [16, 16, 3] });
  let x = input as tf.SymbolicTensor;
  if (options.rescaling) x = tf.layers.rescaling({ scale: 1 / 255, name: 'rescale' }).apply(x) as tf.SymbolicTensor;
  if ((options.inputShape ?? [16, 16, 3]).length === 3) {
    x = tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: init(), name: 'conv' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tf.SymbolicTensor;
  }
  x = tf.layers.dense({ units: 8, activation: 'relu', kernelInitializer: init(), name: 'features' }).apply(x) as tf.SymbolicTensor;
  // As Keras heads often have: the feature detection must look through it.
  x = tf.layers.dropout({ rate: 0.2, name: 'head_dropout' }).apply(x) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(), name: 'top' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: 'tiny' });
}

/** Writes a model as `tensorflowjs_converter` lays out a layers model: model.json + one weight shard. */
async function saveLayersFolder(model: tf.LayersModel, dir: string): Promise<void> {
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const weights = new Uint8Array(artifacts.weightData as ArrayBuffer);
    await writeFile(join(dir, 'group1-shard1of1.bin'), weights);
    await writeFile(join(dir, 'model.json'), JSON.stringify({
      format: 'layers-model', generatedBy: 'test', modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: artifacts.weightSpecs }],
    }));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
}

/** Float .tflite: [1,8,8,3] → conv 3x3 relu (4) → MEAN over H,W ("feature") → FULLY_CONNECTED 3 → SOFTMAX. */
function tinyTfliteModel(): GraphBuilder {
  const random = createRandom(9);
  const values = (n: number) => Float32Array.from({ length: n }, () => random.next() - 0.5);
  const g = new GraphBuilder();
  const x = g.input('image', [1, 8, 8, 3]);
  const conv = g.op('CONV_2D', [x, g.constant('conv/w', [4, 3, 3, 3], values(108)), g.constant('conv/b', [4], values(4))], { padding: 'same', activation: 'relu' });
  const feature = g.op('MEAN', [conv, g.constant('axes', [2], Int32Array.from([1, 2]))], { keepDims: false }, { name: 'feature' });
  const logits = g.op('FULLY_CONNECTED', [feature, g.constant('fc/w', [3, 4], values(12)), g.constant('fc/b', [3], values(3))]);
  g.output(g.op('SOFTMAX', [logits]));
  return g;
}

const images = (count: number, shape: number[]) => {
  const random = createRandom(3);
  const size = shape.reduce((a, b) => a * b, 1);
  return { x: Float32Array.from({ length: count * size }, () => random.next() * 2 - 1), shape, targets: Array.from({ length: count }, (_, i) => i % 2) };
};

test('a TF.js layers model folder imports with its checksum, input, feature layer, defaults said out loud; it embeds, trains a head and exports', async () => {
  const source = await freshDir();
  const dataDir = await freshDir();
  const original = tinyClassifier();
  await saveLayersFolder(original, source);
  const { info, warnings } = await importBackbone(source, { dataDir, name: 'tiny-keras' });
  assert.equal(info.format, 'tfjs-layers');
  assert.deepEqual(info.inputShape, [16, 16, 3]);
  assert.equal(info.featureLayer, 'features');
  assert.equal(info.featureSize, 8);
  assert.equal(info.license, 'unknown');
  assert.deepEqual(info.normalization, { mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5] });
  assert.match(info.sha256, /^[0-9a-f]{64}$/);
  assert.equal(warnings.length, 3, warnings.join('\n'));
  assert.match(warnings.join('\n'), /classifier top "top"[\s\S]*\[-1, 1\][\s\S]*licence/);
  const stored = JSON.parse(await readFile(join(backbonesDir(dataDir), 'tiny-keras', 'backbone.json'), 'utf8'));
  assert.deepEqual(stored, info);
  assert.deepEqual((await listBackbones(dataDir)).map((b) => b.name), ['mobilenet-v2-nsfwjs', 'tiny-keras']);

  const backbone = await loadBackbone('tiny-keras', { dataDir });
  assert.ok(!isTfliteBackbone(backbone));
  const data = images(6, [16, 16, 3]);
  const embedded = await embedSamples(backbone, data);
  const features = tf.model({ inputs: original.inputs, outputs: original.getLayer('features').output as tf.SymbolicTensor });
  const expected = tf.tidy(() => (features.predict(tf.tensor4d(data.x, [6, 16, 16, 3])) as tf.Tensor).dataSync());
  assert.deepEqual(Array.from(embedded.x).map((v) => v.toFixed(5)), Array.from(expected).map((v) => v.toFixed(5)));

  const head = await trainTransferHead(backbone, data, { numClasses: 2, budgetSeconds: 20, epochs: 2, config: { headUnits: 64 } });
  assert.equal(head.epochs, 2);
  assert.ok(head.seconds.embedding >= 0 && head.seconds.training > 0);
  const classifier = composeClassifier(backbone, head.model);
  const bytes = await exportTflite(classifier);
  const sample = data.x.subarray(0, 16 * 16 * 3);
  const [fromTflite] = await runTflite(bytes, [sample]);
  const fromTfjs = tf.tidy(() => (classifier.predict(tf.tensor4d(sample, [1, 16, 16, 3])) as tf.Tensor).dataSync());
  assert.ok(Math.max(...fromTflite.map((v, i) => Math.abs(v - fromTfjs[i]))) < 1e-4);
  head.model.dispose();
});

test('a Rescaling layer at the input is read as "takes 0..255 pixels"; flags override the defaults', async () => {
  const source = await freshDir();
  const dataDir = await freshDir();
  await saveLayersFolder(tinyClassifier({ rescaling: true }), source);
  const { info, warnings } = await importBackbone(source, { dataDir, name: 'scaled', license: 'Apache-2.0', featureLayer: 'pool' });
  assert.deepEqual(info.normalization, { mean: [0, 0, 0], std: [1, 1, 1] });
  assert.equal(info.license, 'Apache-2.0');
  assert.equal(info.featureLayer, 'pool');
  assert.equal(info.featureSize, 4);
  assert.deepEqual(warnings, []);
  // A feature map layer is pooled to a vector.
  const pooled = await importBackbone(source, { dataDir, name: 'scaled-conv', license: 'MIT', featureLayer: 'conv', normalization: { mean: [0], std: [255] } });
  assert.equal(pooled.info.featureSize, 4);
  assert.deepEqual(pooled.info.normalization, { mean: [0, 0, 0], std: [255, 255, 255] });
});

test('a float .tflite imports (feature = input of its classifier top) and embeds in LiteRT.js; the stored copy is checked on load', async () => {
  const source = await freshDir();
  const dataDir = await freshDir();
  const g = tinyTfliteModel();
  const file = join(source, 'Tiny Net.tflite');
  await writeFile(file, g.build());
  const { info, warnings } = await importBackbone(file, { dataDir, license: 'MIT' });
  assert.equal(info.name, 'tiny-net');
  assert.equal(info.format, 'tflite');
  assert.deepEqual(info.inputShape, [8, 8, 3]);
  assert.equal(info.featureLayer, 'feature');
  assert.equal(info.featureSize, 4);
  assert.equal(info.parameters, 108 + 4, 'conv weights and bias; the MEAN axes are not parameters');
  assert.match(warnings.join('\n'), /tensor "feature"/);

  const backbone = await loadBackbone('tiny-net', { dataDir });
  assert.ok(isTfliteBackbone(backbone));
  const data = images(3, [8, 8, 3]);
  const cache = new Map<string, Float32Array>();
  const embedded = await embedSamples(backbone, data, { cache });
  assert.equal(cache.size, 3);
  const model = parseModel(g.build());
  const featureIndex = model.tensors.findIndex((t) => t.name === 'feature');
  for (let i = 0; i < 3; i++) {
    const reference = evaluate({ ...model, outputs: [featureIndex] }, [data.x.subarray(i * 192, (i + 1) * 192)])[0];
    for (let j = 0; j < 4; j++) assert.ok(Math.abs(embedded.x[i * 4 + j] - reference[j]) < 1e-5);
  }
  assert.throws(() => composeClassifier(backbone, tinyClassifier()), /\.tflite model: it has no TF\.js trunk/);

  // Trunk + trained head as one .tflite classifier, float32 and int8, with image metadata.
  const head = await trainTransferHead(backbone, images(8, [8, 8, 3]), { numClasses: 2, budgetSeconds: 20, epochs: 2, batchSize: 4 });
  const composed = composeTfliteClassifier(backbone, head.model);
  assert.deepEqual(composed.tensors[composed.inputs[0]].shape, [1, 8, 8, 3]);
  const metadata = { labels: ['a', 'b'], normalization: info.normalization };
  const float32 = await exportTfliteModel(composed, { metadata });
  const calibration = Array.from({ length: 100 }, (_, i) => images(100, [8, 8, 3]).x.subarray(i * 192, (i + 1) * 192));
  const int8 = await exportTfliteModel(composed, { quantize: 'int8', representativeData: calibration, metadata });
  assert.deepEqual(readLabels(int8), ['a', 'b']);
  for (let i = 0; i < 3; i++) {
    const expected = tf.tidy(() => (head.model.predict(tf.tensor2d(embedded.x.subarray(i * 4, (i + 1) * 4), [1, 4])) as tf.Tensor).dataSync());
    const [fromFloat] = await runTflite(float32, [data.x.subarray(i * 192, (i + 1) * 192)]);
    const [fromInt8] = await runTflite(int8, [data.x.subarray(i * 192, (i + 1) * 192)]);
    assert.ok(Math.max(...fromFloat.map((v, j) => Math.abs(v - expected[j]))) < 1e-4, 'float32 classifier = embedding + head');
    assert.ok(Math.max(...fromInt8.map((v, j) => Math.abs(v - expected[j]))) < 0.05, `int8 classifier close to float: ${fromInt8} vs ${expected}`);
  }
  assert.throws(() => composeTfliteClassifier(backbone, tinyClassifier({ inputShape: [10] })), /head takes \[1,10\] but backbone "tiny-net" gives \[1,4\]/);
  head.model.dispose();

  // Tampering with the stored copy is caught at the next load (loadBackbone caches per thread; this reads the files again).
  await appendFile(join(backbonesDir(dataDir), 'tiny-net', 'model.tflite'), 'x');
  await assert.rejects(loadImportedBackbone('tiny-net', dataDir), /sha256 [0-9a-f]{64}; expected/);
  await assert.rejects(importBackbone(file, { dataDir }), /already imported/);
});

test('imports that cannot work are refused with a message naming what is wrong', async () => {
  const dataDir = await freshDir();
  const source = await freshDir();
  // int8 .tflite
  const float = parseModel(tinyTfliteModel().build());
  const random = createRandom(1);
  const calibration = Array.from({ length: 100 }, () => Float32Array.from({ length: 192 }, () => random.next()));
  await writeFile(join(source, 'int8.tflite'), serializeModel(quantizeInt8(float, { representativeData: calibration })));
  await assert.rejects(importBackbone(join(source, 'int8.tflite'), { dataDir }), /quantized \(int8\) model: .*float32 \.tflite/);
  // not an image input
  const vectorDir = await freshDir();
  await saveLayersFolder(tinyClassifier({ inputShape: [10] }), vectorDir);
  await assert.rejects(importBackbone(vectorDir, { dataDir, name: 'vector' }), /4-D image input \[batch, height, width, 3\].*\[\?, 10\]/);
  // graph model, missing shard, not a model, unknown feature layer, bad name, built-in name
  const graphDir = await freshDir();
  await writeFile(join(graphDir, 'model.json'), JSON.stringify({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [] }));
  await assert.rejects(importBackbone(graphDir, { dataDir }), /graph model; only layers models/);
  const brokenDir = await freshDir();
  await saveLayersFolder(tinyClassifier(), brokenDir);
  await rm(join(brokenDir, 'group1-shard1of1.bin'));
  await assert.rejects(importBackbone(brokenDir, { dataDir }), /shard "group1-shard1of1.bin" named by model.json is missing/);
  await writeFile(join(source, 'notes.txt'), 'hello');
  await assert.rejects(importBackbone(join(source, 'notes.txt'), { dataDir }), /neither a TF.js layers model folder/);
  await assert.rejects(importBackbone(join(source, 'nothing-here'), { dataDir }), /does not exist/);
  const okDir = await freshDir();
  await saveLayersFolder(tinyClassifier(), okDir);
  await assert.rejects(importBackbone(okDir, { dataDir, name: 'x', featureLayer: 'nope' }), /no layer "nope" \(last layers: .*features, head_dropout, top\)/);
  await assert.rejects(importBackbone(okDir, { dataDir, name: 'Bad Name' }), /not valid/);
  await assert.rejects(importBackbone(okDir, { dataDir, name: 'mobilenet-v2-nsfwjs' }), /built-in/);
  await assert.rejects(loadBackbone('missing', { dataDir }), /Unknown backbone "missing" \(known: mobilenet-v2-nsfwjs\)/);
  // Nothing half-imported is left behind.
  assert.deepEqual((await listBackbones(dataDir)).map((b) => b.name), ['mobilenet-v2-nsfwjs']);
  assert.deepEqual(await readdir(backbonesDir(dataDir)), [], 'no staging folder left');
});
