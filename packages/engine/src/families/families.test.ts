import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { loadLiteRtNode, runTflite } from '@offgrid/tflite';
import { initWasmBackend } from '../backend/init-wasm.ts';
import { exportTflite } from '../export/export-tflite.ts';
import { crossEntropy } from '../train/evaluate.ts';
import { createRandom } from '../util/random.ts';
import { MODEL_FAMILIES, getFamily } from './registry.ts';
import { defaultConfig, resolveConfig, type Config } from './space.ts';
import { trainingOptionsFromConfig } from './training-space.ts';

await initWasmBackend();

/** A data shape each family is tested with. */
const SHAPES: Record<string, number[]> = { 'small-cnn': [32, 32, 3], mobilenet: [32, 32, 3], mlp: [20], linear: [20], cnn1d: [64, 3], text: [16] };
/** Build context every family gets (only text reads it). */
const CONTEXT = { vocabularySize: 50 };

/** Values in [-1, 1), or token ids in [0, vocabularySize) (as floats, like training data) for text. */
function randomInput(shape: number[], seed: number, ids = false): tf.Tensor {
  const random = createRandom(seed);
  const value = () => (ids ? Math.floor(random.next() * CONTEXT.vocabularySize) : random.next() * 2 - 1);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, value), shape);
}

/** BatchNorm statistics moved off the identity, so folding them into the export is really checked. */
function perturbBatchNorm(model: tf.LayersModel, seed: number): void {
  const random = createRandom(seed);
  model.setWeights(model.weights.map((w) => {
    const value = w.read();
    const suffix = w.originalName.split('/').pop()!;
    const range = ({ gamma: [0.5, 1.5], beta: [-0.5, 0.5], moving_mean: [-0.5, 0.5], moving_variance: [0.5, 1.5] } as Record<string, number[]>)[suffix];
    if (!range) return value.clone();
    return tf.tensor(Float32Array.from({ length: value.size }, () => range[0] + random.next() * (range[1] - range[0])), value.shape);
  }));
}

test('registry is frozen and every space is plain, consistent data', () => {
  assert.ok(Object.isFrozen(MODEL_FAMILIES));
  assert.deepEqual(Object.keys(MODEL_FAMILIES), ['small-cnn', 'mobilenet', 'mlp', 'linear', 'cnn1d', 'text']);
  for (const family of Object.values(MODEL_FAMILIES)) {
    assert.deepEqual(JSON.parse(JSON.stringify(family.space)), family.space, `${family.name} space survives JSON`);
    for (const p of family.space) {
      if (p.type === 'categorical') assert.ok(p.choices.includes(p.default), `${family.name}.${p.name}`);
      else assert.ok(p.low <= p.default && p.default <= p.high && (!p.log || p.low > 0), `${family.name}.${p.name}`);
    }
  }
  assert.throws(() => getFamily('resnet'), /Unknown model family "resnet" \(known: small-cnn, mobilenet, mlp, linear, cnn1d, text, transfer-head\)/);
});

test('configs are checked against the space', () => {
  const space = MODEL_FAMILIES['small-cnn'].space;
  assert.deepEqual(resolveConfig(space, { blocks: 3 }), { ...defaultConfig(space), blocks: 3 });
  assert.throws(() => resolveConfig(space, { blocs: 3 }), /unknown hyperparameter "blocs"/);
  assert.throws(() => resolveConfig(space, { blocks: 9 }), /blocks = 9 is outside \[1, 4\]/);
  assert.throws(() => resolveConfig(space, { blocks: 1.5 }), /must be an integer/);
  assert.throws(() => resolveConfig(space, { kernelSize: 4 }), /kernelSize = 4 is not one of \[3,5\]/);
});

test('small-cnn defaults: conv16-pool-conv32-pool-dense32-dropout-dense', () => {
  const model = MODEL_FAMILIES['small-cnn'].build({}, [32, 32, 3], 5, 0);
  assert.deepEqual(model.layers.map((l) => l.getClassName()), ['Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dense', 'Dropout', 'Dense']);
  assert.deepEqual(model.outputs[0].shape, [null, 5]);
  assert.equal(model.countParams(), 3 * 3 * 3 * 16 + 16 + 3 * 3 * 16 * 32 + 32 + 8 * 8 * 32 * 32 + 32 + 32 * 5 + 5);
  model.dispose();
});

test('mobilenet resolution choice sets the model input; blocks and width scale it', () => {
  const family = MODEL_FAMILIES.mobilenet;
  assert.deepEqual(family.modelInputShape({}, [40, 40, 3]), [40, 40, 3]);
  assert.deepEqual(family.modelInputShape({ resolution: 64 }, [40, 40, 3]), [64, 64, 3]);
  const small = family.build({ widthMultiplier: 0.25, blocks: 2 }, [32, 32, 3], 3, 1);
  const large = family.build({ widthMultiplier: 1, blocks: 7 }, [32, 32, 3], 3, 1);
  assert.ok(large.countParams() > 10 * small.countParams());
  assert.ok(small.layers.some((l) => l.getClassName() === 'DepthwiseConv2D'));
  assert.equal(small.layers.filter((l) => l.getClassName() === 'BatchNormalization').length, 5);
  small.dispose();
  large.dispose();
});

for (const family of Object.values(MODEL_FAMILIES)) {
  const shape = SHAPES[family.name];
  const ids = family.sampleKind === 'tokens';

  test(`${family.name}: seeded build, output [batch, classes]`, async () => {
    const a = family.build({}, shape, 4, 7, CONTEXT);
    const b = family.build({}, shape, 4, 7, CONTEXT);
    const c = family.build({}, shape, 4, 8, CONTEXT);
    assert.deepEqual(a.outputs[0].shape, [null, 4]);
    const first = async (m: tf.LayersModel) => Array.from(await m.getWeights()[0].data());
    assert.deepEqual(await first(a), await first(b));
    assert.notDeepEqual(await first(a), await first(c));
    tf.dispose([a, b, c].flatMap((m) => m.weights.map((w) => w.read())));
  });

  test(`${family.name}: default config exports to TFLite matching model.predict (≤ 1e-4)`, async () => {
    await loadLiteRtNode();
    const model = family.build({}, shape, 3, 1, CONTEXT);
    perturbBatchNorm(model, 2);
    const bytes = await exportTflite(model);
    for (let run = 0; run < 2; run++) {
      const x = randomInput([1, ...shape], 10 + run, ids);
      const expected = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
      const values = x.dataSync() as Float32Array;
      const [actual] = await runTflite(bytes, [ids ? Int32Array.from(values) : values]);
      x.dispose();
      assert.equal(actual.length, 3);
      const error = Math.max(...actual.map((v, i) => Math.abs(v - expected[i])));
      assert.ok(error <= 1e-4, `max abs error ${error}`);
    }
    model.dispose();
  });

  test(`${family.name}: one training step on wasm matches cpu (loss and every gradient)`, async () => {
    const step = async (backend: string) => {
      assert.ok(await tf.setBackend(backend));
      const model = family.build(family.space.some((p) => p.name === 'dropout') ? { dropout: 0 } : {}, shape, 3, 3, CONTEXT);
      const x = randomInput([4, ...shape], 5, ids);
      const labels = tf.tensor1d([0, 1, 2, 1], 'int32');
      const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { value, grads } = tf.variableGrads(() => crossEntropy(model.apply(x, { training: true }) as tf.Tensor2D, labels), variables);
      const out = { loss: (await value.data())[0], grads: await Promise.all(variables.map(async (v) => (await grads[v.name].data()) as Float32Array)) };
      tf.dispose([x, labels, value, ...Object.values(grads)]);
      model.dispose();
      return out;
    };
    const cpu = await step('cpu');
    const wasm = await step('wasm');
    assert.ok(Math.abs(wasm.loss - cpu.loss) <= 1e-5 * Math.abs(cpu.loss), `loss ${wasm.loss} vs ${cpu.loss}`);
    cpu.grads.forEach((expected, i) => {
      const scale = Math.max(...expected.map(Math.abs), 1e-12);
      const error = Math.max(...expected.map((e, j) => Math.abs(wasm.grads[i][j] - e))) / scale;
      assert.ok(error <= 1e-4, `weight ${i}: relative error ${error.toExponential(2)}`);
    });
  });
}

test('tf.layers.conv1d trains on wasm like on cpu (conv1d runs as conv2d with the registered kernels)', async () => {
  const step = async (backend: string) => {
    assert.ok(await tf.setBackend(backend));
    const model = tf.sequential({ layers: [
      tf.layers.conv1d({ inputShape: [33, 3], filters: 5, kernelSize: 5, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.conv1d({ filters: 4, kernelSize: 3, padding: 'valid', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
      tf.layers.maxPooling1d({ poolSize: 2 }),
      tf.layers.globalAveragePooling1d(),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
    ] });
    const x = randomInput([4, 33, 3], 6);
    const labels = tf.tensor1d([0, 1, 2, 1], 'int32');
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => crossEntropy(model.apply(x, { training: true }) as tf.Tensor2D, labels), variables);
    const out = await Promise.all(variables.map(async (v) => (await grads[v.name].data()) as Float32Array));
    tf.dispose([x, labels, ...Object.values(grads)]);
    model.dispose();
    return out;
  };
  const cpu = await step('cpu');
  const wasm = await step('wasm');
  cpu.forEach((expected, i) => {
    const scale = Math.max(...expected.map(Math.abs), 1e-12);
    const error = Math.max(...expected.map((e, j) => Math.abs(wasm[i][j] - e))) / scale;
    assert.ok(error <= 1e-4, `weight ${i}: relative error ${error.toExponential(2)}`);
  });
  assert.ok(await tf.setBackend('wasm'));
});

test('cnn1d (conv2d over [1, steps, channels]) computes what Conv1D/MaxPooling1D would', () => {
  const family = MODEL_FAMILIES.cnn1d;
  const model = family.build({ blocks: 1, dropout: 0 }, [16, 2], 3, 4);
  const conv = model.getLayer('conv1');
  const [kernel, bias] = conv.getWeights(); // [1, k, in, out]
  const x = randomInput([2, 16, 2], 9);
  const viaFamily = tf.tidy(() => {
    const mid = tf.sequential({ layers: model.layers.slice(0, 3) });
    return (mid.predict(x) as tf.Tensor).reshape([2, 8, 16]).arraySync();
  });
  const viaConv1d = tf.tidy(() => {
    const y = tf.relu(tf.add(tf.conv1d(x as tf.Tensor3D, kernel.squeeze([0]) as tf.Tensor3D, 1, 'same'), bias));
    return tf.squeeze(tf.maxPool(tf.expandDims(y, 1) as tf.Tensor4D, [1, 2], [1, 2], 'valid'), [1]).arraySync();
  });
  const flat = (a: unknown): number[] => (a as number[]).flat(3) as number[];
  const error = Math.max(...flat(viaFamily).map((v, i) => Math.abs(v - flat(viaConv1d)[i])));
  assert.ok(error < 1e-5, `max abs error ${error}`);
  x.dispose();
  model.dispose();
});

test('text: every structural choice exports ≤ 1e-4 (float32) and int8 agrees on top-1; the vocabulary size is required', async () => {
  await loadLiteRtNode();
  const family = MODEL_FAMILIES.text;
  const shape = SHAPES.text;
  const configs: Config[] = [{ conv: 'k3', pooling: 'max', hiddenUnits: 32 }, { conv: 'k5', pooling: 'avg', embeddingDim: 24 }, { hiddenUnits: 16 }];
  const random = createRandom(31);
  const sample = () => Float32Array.from({ length: shape[0] }, () => Math.floor(random.next() * CONTEXT.vocabularySize));
  for (const config of configs) {
    const model = family.build(config, shape, 4, 2, CONTEXT);
    // Weights away from the tiny initial values, so the outputs are not all ≈ 1/4.
    model.setWeights(model.getWeights().map((w, i) => tf.randomUniform(w.shape, -0.8, 0.8, 'float32', 40 + i)));
    const float32 = await exportTflite(model);
    const int8 = await exportTflite(model, { quantize: 'int8', representativeData: Array.from({ length: 100 }, sample) });
    let agree = 0;
    let worst = 0;
    const held = Array.from({ length: 50 }, sample);
    for (const ids of held) {
      const expected = tf.tidy(() => (model.predict(tf.tensor(ids, [1, ...shape])) as tf.Tensor).dataSync());
      const [f] = await runTflite(float32, [Int32Array.from(ids)]);
      const [q] = await runTflite(int8, [Int32Array.from(ids)]);
      worst = Math.max(worst, ...f.map((v, i) => Math.abs(v - expected[i])));
      if (q.indexOf(Math.max(...q)) === f.indexOf(Math.max(...f))) agree++;
    }
    console.log(`text ${JSON.stringify(config)}: float32 max |Δp| ${worst.toExponential(2)}, int8 top-1 agreement ${agree}/${held.length}`);
    assert.ok(worst <= 1e-4, `float32 max abs error ${worst}`);
    assert.ok(agree >= 0.96 * held.length, `int8 top-1 agreement ${agree}/${held.length}`);
    model.dispose();
  }
  assert.throws(() => family.build({}, shape, 4, 0), /text: needs the vocabulary size at build time: pass \{ vocabularySize \}/);
});

test('mlp: input noise is seeded and only in training, exports as an identity; l2 puts a penalty on every dense kernel', async () => {
  await loadLiteRtNode();
  const shape = SHAPES.mlp;
  const config = { inputNoise: 0.3, l2: 1e-3 };
  const model = MODEL_FAMILIES.mlp.build(config, shape, 3, 4);
  assert.equal(model.layers[0].getClassName(), 'GaussianNoise');
  const x = randomInput([2, ...shape], 12);
  const noisy = (seed: number) => {
    (model.layers[0] as unknown as { seed: number }).seed = seed;
    return tf.tidy(() => (model.apply(x, { training: true }) as tf.Tensor).dataSync());
  };
  assert.deepEqual(noisy(1), noisy(1), 'same seed, same noise');
  assert.notDeepEqual(noisy(1), noisy(2), 'another seed, other noise');
  const expected = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
  assert.deepEqual(tf.tidy(() => (model.apply(x, { training: false }) as tf.Tensor).dataSync()), expected, 'no noise at inference');
  const bytes = await exportTflite(model);
  const [actual] = await runTflite(bytes, [x.slice([0, 0], [1, shape[0]]).dataSync() as Float32Array]);
  const error = Math.max(...actual.map((v, i) => Math.abs(v - expected[i])));
  assert.ok(error <= 1e-4, `export max abs error ${error}`);
  // int8: top-1 agrees with float32 on held-out inputs (weights moved off their initial values first).
  model.setWeights(model.getWeights().map((w, i) => tf.randomUniform(w.shape, -0.6, 0.6, 'float32', 60 + i)));
  const sample = (seed: number) => randomInput([shape[0]], seed).dataSync() as Float32Array;
  const float32 = await exportTflite(model);
  const int8 = await exportTflite(model, { quantize: 'int8', representativeData: Array.from({ length: 100 }, (_, i) => sample(100 + i)) });
  let agree = 0;
  for (let i = 0; i < 50; i++) {
    const input = sample(300 + i);
    const [f] = await runTflite(float32, [input]);
    const [q] = await runTflite(int8, [input]);
    if (q.indexOf(Math.max(...q)) === f.indexOf(Math.max(...f))) agree++;
  }
  assert.ok(agree >= 48, `int8 top-1 agreement ${agree}/50`);
  const penalties = model.layers.flatMap((layer) => layer.calculateLosses());
  assert.equal(penalties.length, model.layers.filter((layer) => layer.getClassName() === 'Dense').length, 'one penalty per dense kernel');
  tf.dispose([x, ...penalties]);
  model.dispose();
});

test('a training config may carry a family\'s trainer option (transfer-head\'s labelSmoothing), range-checked', () => {
  assert.equal(trainingOptionsFromConfig({ learningRate: 0.01, labelSmoothing: 0.05 }).labelSmoothing, 0.05);
  assert.equal(trainingOptionsFromConfig({}).labelSmoothing, undefined);
  assert.throws(() => trainingOptionsFromConfig({ labelSmoothing: 1 }), /labelSmoothing must be a number in \[0, 1\)/);
  assert.throws(() => trainingOptionsFromConfig({ smoothing: 0.1 }), /unknown hyperparameter "smoothing"/);
});
