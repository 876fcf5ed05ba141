import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRandom } from '@offgrid/features';
import { GraphBuilder } from './graph-builder.ts';
import { firstOutputs, loadLiteRtNode } from './litert-node.ts';
import { quantizeInt8 } from './quantize.ts';
import { serializeModel } from './writer.ts';
import { parseModel } from './reader.ts';
import { classifierTrunk, findClassifierHead, logitRangeOf, readClassifierHead, withClassifierHead, type ClassifierHead } from './classifier-head.ts';
import type { TfliteModel } from './model.ts';

const random = createRandom(21).next;
const uniform = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);

/** x[8] → dense 16 relu (the trunk) → dense 3 → softmax. */
function classifier(): TfliteModel {
  const g = new GraphBuilder();
  const x = g.input('x', [1, 8]);
  const hidden = g.op('FULLY_CONNECTED', [x, g.constant('w1', [16, 8], uniform(128)), g.constant('b1', [16], uniform(16, 0.1))], { activation: 'relu' });
  g.output(g.op('SOFTMAX', [g.op('FULLY_CONNECTED', [hidden, g.constant('w2', [3, 16], uniform(48)), g.constant('b2', [3], uniform(3, 0.1))])]));
  return parseModel(g.build({ description: 'classifier' }));
}

const samples = Array.from({ length: 120 }, () => uniform(8));
const float32 = classifier();
const int8 = quantizeInt8(float32, { representativeData: samples });

const run = (model: TfliteModel, inputs: Float32Array[]) => firstOutputs(serializeModel(model), inputs);

function softmaxHead(head: ClassifierHead, embedding: Float32Array): number[] {
  const logits = Array.from({ length: head.numClasses }, (_, c) => head.bias[c] + embedding.reduce((sum, e, i) => sum + e * head.weights[c * head.inputSize + i], 0));
  const top = Math.max(...logits);
  const exp = logits.map((l) => Math.exp(l - top));
  const total = exp.reduce((a, b) => a + b, 0);
  return exp.map((e) => e / total);
}

const argmax = (values: ArrayLike<number>) => Array.from(values).reduce((best, v, i, all) => (v > all[best] ? i : best), 0);

before(async () => {
  await loadLiteRtNode();
});

test('the trunk outputs the embedding, and trunk + head give the model\'s own probabilities', async () => {
  const trunk = classifierTrunk(float32);
  assert.deepEqual(trunk.operators.map((o) => o.op), ['FULLY_CONNECTED']);
  assert.equal(trunk.tensors.length, 4, 'the head\'s weights are not carried in the trunk');
  const head = readClassifierHead(float32);
  assert.deepEqual([head.numClasses, head.inputSize], [3, 16]);
  const inputs = samples.slice(0, 20);
  const [embeddings, probabilities] = [await run(trunk, inputs), await run(float32, inputs)];
  embeddings.forEach((embedding, i) => {
    assert.equal(embedding.length, 16);
    softmaxHead(head, embedding).forEach((p, c) => assert.ok(Math.abs(p - probabilities[i][c]) < 1e-5, `sample ${i} class ${c}`));
  });
});

test('a classifier whose head reads the input (logistic regression) gets an identity trunk that runs', async () => {
  const g = new GraphBuilder();
  const x = g.input('x', [1, 8]);
  g.output(g.op('SOFTMAX', [g.op('FULLY_CONNECTED', [x, g.constant('w', [3, 8], uniform(24)), g.constant('b', [3], uniform(3, 0.1))])]));
  const logistic = parseModel(g.build({ description: 'logistic' }));
  const trunk = classifierTrunk(logistic);
  assert.deepEqual(trunk.operators.map((o) => o.op), ['RESHAPE']);
  const inputs = samples.slice(0, 5);
  (await run(trunk, inputs)).forEach((embedding, i) => assert.deepEqual(Array.from(embedding), Array.from(inputs[i])));
});

test('the int8 trunk dequantizes its embedding and tracks the float one; the int8 head reads back as floats', async () => {
  const trunk = classifierTrunk(int8);
  assert.equal(trunk.operators.at(-1)?.op, 'DEQUANTIZE');
  assert.equal(trunk.tensors[trunk.outputs[0]].dtype, 'float32');
  const inputs = samples.slice(0, 20);
  const [q, f] = [await run(trunk, inputs), await run(classifierTrunk(float32), inputs)];
  const scale = Math.max(...f.flatMap((e) => Array.from(e)));
  q.forEach((e, i) => e.forEach((v, j) => assert.ok(Math.abs(v - f[i][j]) < 0.05 * scale, `sample ${i} unit ${j}: ${v} vs ${f[i][j]}`)));
  const [qHead, fHead] = [readClassifierHead(int8), readClassifierHead(float32)];
  qHead.weights.forEach((w, i) => assert.ok(Math.abs(w - fHead.weights[i]) < 0.01));
  // The int8 bias also carries quantizeInt8's bias correction: close to, not equal to, the float bias.
  qHead.bias.forEach((b, i) => assert.ok(Math.abs(b - fHead.bias[i]) < 0.05));
});

test('a new head written into both files changes their outputs to trunk + that head', async () => {
  const head: ClassifierHead = { inputSize: 16, numClasses: 3, weights: uniform(48, 2), bias: uniform(3, 0.5) };
  const inputs = samples.slice(20, 80);
  const embeddings = await run(classifierTrunk(float32), inputs);
  const expected = embeddings.map((e) => softmaxHead(head, e));
  const floatOut = await run(withClassifierHead(float32, head), inputs);
  floatOut.forEach((p, i) => p.forEach((v, c) => assert.ok(Math.abs(v - expected[i][c]) < 1e-5)));

  const logits = embeddings.flatMap((e) => Array.from({ length: 3 }, (_, c) => head.bias[c] + e.reduce((s, v, j) => s + v * head.weights[c * 16 + j], 0)));
  const range = { min: Math.min(...logits), max: Math.max(...logits) };
  const rewritten = withClassifierHead(int8, head, range);
  const written = logitRangeOf(rewritten)!;
  assert.ok(written.min < range.min + 0.05 && written.max > range.max - 0.05, 'the logits are quantized over their range');
  const int8Out = await run(rewritten, inputs);
  const agree = int8Out.filter((p, i) => argmax(p) === argmax(expected[i])).length / inputs.length;
  assert.ok(agree >= 0.9, `int8 agrees with float on ${agree}`);
  int8Out.forEach((p, i) => p.forEach((v, c) => assert.ok(Math.abs(v - expected[i][c]) < 0.08, `sample ${i} class ${c}: ${v} vs ${expected[i][c]}`)));
  // Only the head changed: the trunk's tensors keep the original calibration.
  const site = findClassifierHead(int8);
  assert.deepEqual(rewritten.tensors[site.embedding].quantization, int8.tensors[site.embedding].quantization);
});

test('models without a classifier head are refused with the reason; mismatched heads too', () => {
  const g = new GraphBuilder();
  const x = g.input('x', [1, 3]);
  g.output(g.op('RELU', [x]));
  assert.throws(() => findClassifierHead(g.toModel()), /Not a classifier: its output is not a SOFTMAX/);
  assert.throws(() => withClassifierHead(float32, { inputSize: 8, numClasses: 3, weights: new Float32Array(24), bias: new Float32Array(3) }), /head is 3×8; this model's is 3×16/);
  assert.throws(() => withClassifierHead(int8, readClassifierHead(float32)), /needs the range of its logits/);
});
