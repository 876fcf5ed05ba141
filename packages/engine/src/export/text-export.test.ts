/**
 * Embedding (→ GATHER on an int32 ids input) and the 1-D layers (Conv1D, MaxPooling1D,
 * AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D) against model.predict in LiteRT.js,
 * float32 and int8, plus the errors for what cannot be exported.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { TfliteSession, loadLiteRtNode, parseModel, quantizeInt8, serializeModel } from '@offgrid/tflite';
import { EmbeddingBag } from '../families/embedding-bag.ts';
import { UnsupportedLayerError } from './errors.ts';
import { exportTflite } from './export-tflite.ts';
import { randomizeWeights } from './test-models.ts';
import { createRandom } from '../util/random.ts';

const [VOCAB, STEPS] = [40, 12];

function textModel(): tf.LayersModel {
  return tf.sequential({ layers: [
    tf.layers.embedding({ inputDim: VOCAB, outputDim: 8, inputShape: [STEPS] }),
    tf.layers.conv1d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' }),
    tf.layers.maxPooling1d({ poolSize: 2 }),
    tf.layers.conv1d({ filters: 5, kernelSize: 3, strides: 2, padding: 'valid', activation: 'tanh' }),
    tf.layers.globalMaxPooling1d(),
    tf.layers.dense({ units: 3, activation: 'softmax' }),
  ] });
}

const idSamples = (count: number, seed: number) => {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => Int32Array.from({ length: STEPS }, () => Math.floor(random.next() * VOCAB)));
};

before(async () => {
  await tf.setBackend('cpu');
  await loadLiteRtNode();
});
after(() => tf.disposeVariables());

async function maxError(model: tf.LayersModel, bytes: Uint8Array, inputs: (Int32Array | Float32Array)[]): Promise<number> {
  const session = await TfliteSession.create(bytes);
  try {
    let worst = 0;
    for (const input of inputs) {
      const expected = tf.tidy(() => (model.predict(tf.tensor(Float32Array.from(input), [1, ...(model.inputs[0].shape.slice(1) as number[])])) as tf.Tensor).dataSync());
      const [actual] = await session.run([input]);
      worst = Math.max(worst, ...actual.map((v, i) => Math.abs(v - expected[i])));
    }
    return worst;
  } finally {
    session.close();
  }
}

test('Embedding + Conv1D + pooling text model: int32 ids input, GATHER, float32 ≤ 1e-4 and int8 close in LiteRT.js', async () => {
  const model = textModel();
  randomizeWeights(model, 5);
  const bytes = await exportTflite(model);
  const parsed = parseModel(bytes);
  assert.equal(parsed.tensors[parsed.inputs[0]].dtype, 'int32');
  assert.deepEqual(parsed.tensors[parsed.inputs[0]].shape, [1, STEPS]);
  assert.deepEqual(parsed.operators.map((o) => o.op), ['GATHER', 'RESHAPE', 'CONV_2D', 'RESHAPE', 'RESHAPE', 'MAX_POOL_2D', 'RESHAPE', 'RESHAPE', 'CONV_2D', 'TANH', 'RESHAPE', 'REDUCE_MAX', 'FULLY_CONNECTED', 'SOFTMAX']);
  const inputs = idSamples(6, 1);
  const floatError = await maxError(model, bytes, inputs);
  assert.ok(floatError <= 1e-4, `float32 max abs error ${floatError}`);

  const int8 = await exportTflite(model, { quantize: 'int8', representativeData: idSamples(100, 2).map((ids) => Float32Array.from(ids)) });
  const q = parseModel(int8);
  assert.equal(q.tensors[q.inputs[0]].dtype, 'int32', 'ids stay int32');
  assert.equal(q.operators[0].op, 'GATHER', 'no QUANTIZE on the ids');
  const int8Error = await maxError(model, int8, inputs);
  console.log(`text model: float32 max |Δp| ${floatError.toExponential(2)}, int8 max |Δp| ${int8Error.toFixed(4)}`);
  assert.ok(int8Error <= 0.05, `int8 max abs error ${int8Error}`);
  model.dispose();
});

test('EmbeddingBag (fastText average with learned id weights, <PAD> left out): GATHER, MUL, MEAN, DIV; float32 ≤ 1e-4, int8 (float after the lookups) close', async () => {
  const model = tf.sequential({ layers: [
    new EmbeddingBag({ inputDim: VOCAB, outputDim: 8, inputShape: [STEPS] }),
    tf.layers.dense({ units: 3, activation: 'softmax' }),
  ] });
  randomizeWeights(model, 7);
  // The average ignores padding: it is Σ exp(a[id])·row[id] / Σ exp(a[id]) over the ids that are not <PAD>.
  const [table, logWeights] = model.layers[0].getWeights().map((w) => w.arraySync() as number[][]);
  const bagOf = (ids: number[]) => tf.tidy(() => (tf.model({ inputs: model.inputs, outputs: model.layers[0].output as tf.SymbolicTensor }).predict(tf.tensor2d([ids])) as tf.Tensor).arraySync() as number[][])[0];
  const short = [1, 5, 9, 5, ...Array(STEPS - 4).fill(0)];
  const w = (id: number) => Math.exp(logWeights[id][0]);
  const mean = table[0].map((_, d) => (w(1) * table[1][d] + 2 * w(5) * table[5][d] + w(9) * table[9][d]) / (w(1) + 2 * w(5) + w(9)));
  bagOf(short).forEach((v, d) => assert.ok(Math.abs(v - mean[d]) < 1e-5, `dimension ${d}: ${v} vs ${mean[d]}`));

  const bytes = await exportTflite(model);
  const parsed = parseModel(bytes);
  assert.deepEqual(parsed.operators.map((o) => o.op), ['GATHER', 'GATHER', 'MUL', 'MEAN', 'MEAN', 'DIV', 'FULLY_CONNECTED', 'SOFTMAX']);
  assert.equal(parsed.tensors[parsed.inputs[0]].dtype, 'int32');
  // Texts of every length, padded as encodeText pads them (<START> first, so never all <PAD>).
  const random = createRandom(4);
  const inputs = Array.from({ length: 8 }, (_, i) => Int32Array.from({ length: STEPS }, (_, j) => (j === 0 ? 1 : j <= i + 1 ? 1 + Math.floor(random.next() * (VOCAB - 1)) : 0)));
  inputs.push(Int32Array.from(short));
  const floatError = await maxError(model, bytes, inputs);
  assert.ok(floatError <= 1e-4, `float32 max abs error ${floatError}`);

  const float = parseModel(bytes);
  const floatOperators = float.operators.flatMap((op, n) => (op.op === 'GATHER' ? [] : [n]));
  const calibration = Array.from({ length: 100 }, (_, k) => inputs[k % inputs.length]);
  assert.throws(() => quantizeInt8(float, { representativeData: calibration }), /DIV \(operator 5\) has no int8 kernel/);
  const int8 = serializeModel(quantizeInt8(float, { representativeData: calibration, floatOperators }));
  const q = parseModel(int8);
  const tables = q.operators.filter((o) => o.op === 'GATHER').map((o) => q.tensors[o.inputs[0]]);
  assert.deepEqual(tables.map((t) => [t.dtype, t.data?.length]), [['int8', VOCAB * 8], ['int8', VOCAB]], 'both tables int8, one byte a value');
  const int8Error = await maxError(model, int8, inputs);
  console.log(`EmbeddingBag model: float32 max |Δp| ${floatError.toExponential(2)}, int8 max |Δp| ${int8Error.toFixed(4)}`);
  assert.ok(int8Error <= 0.02, `int8 max abs error ${int8Error}`);
  model.dispose();
});

test('AveragePooling1D and GlobalAveragePooling1D on a float sequence match', async () => {
  const model = tf.sequential({ layers: [
    tf.layers.conv1d({ inputShape: [16, 3], filters: 4, kernelSize: 5, dilationRate: 2, padding: 'same' }),
    tf.layers.averagePooling1d({ poolSize: 3, strides: 2, padding: 'same' }),
    tf.layers.globalAveragePooling1d(),
    tf.layers.dense({ units: 2, activation: 'softmax' }),
  ] });
  randomizeWeights(model, 6);
  const random = createRandom(3);
  const inputs = Array.from({ length: 3 }, () => Float32Array.from({ length: 48 }, () => random.next() * 2 - 1));
  const error = await maxError(model, await exportTflite(model), inputs);
  assert.ok(error <= 1e-4, `max abs error ${error}`);
  model.dispose();
});

test('what cannot be exported fails naming the layer', async () => {
  const masked = tf.sequential({ layers: [tf.layers.embedding({ inputDim: 5, outputDim: 2, inputShape: [4], maskZero: true, name: 'emb' }), tf.layers.globalAveragePooling1d()] });
  await assert.rejects(exportTflite(masked), (e: Error) => e instanceof UnsupportedLayerError && /"emb" \(Embedding\).*maskZero/.test(e.message));

  const input = tf.input({ shape: [4] });
  const both = tf.layers.concatenate().apply([
    tf.layers.globalAveragePooling1d().apply(tf.layers.embedding({ inputDim: 5, outputDim: 4 }).apply(input)) as tf.SymbolicTensor,
    tf.layers.dense({ units: 4, name: 'reads_ids' }).apply(input) as tf.SymbolicTensor,
  ]) as tf.SymbolicTensor;
  await assert.rejects(exportTflite(tf.model({ inputs: input, outputs: both })), /"reads_ids" \(Dense\).*int32 token ids/);

  const late = tf.sequential({ layers: [tf.layers.reshape({ inputShape: [4], targetShape: [4], name: 'r' }), tf.layers.embedding({ inputDim: 5, outputDim: 2, name: 'late' })] });
  await assert.rejects(exportTflite(late), /"late" \(Embedding\).*must read a model input directly/);

  const causal = tf.sequential({ layers: [tf.layers.conv1d({ inputShape: [8, 2], filters: 2, kernelSize: 3, padding: 'causal', name: 'causal' })] });
  await assert.rejects(exportTflite(causal), /"causal" \(Conv1D\).*padding "causal"/);
});
