/**
 * Operator conformance, for every case of test-op-cases.ts: build a one-op model with seeded inputs and weights,
 * run it in LiteRT.js, and compare with the same computation on TF.js's `cpu` backend. Each case
 * also checks our reference interpreter (used for int8 calibration) against the same numbers.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { GraphBuilder } from './graph-builder.ts';
import type { TensorRef } from './graph-builder.ts';
import { TfliteSession, loadLiteRtNode } from './litert-node.ts';
import type { Activation } from './schema.ts';
import type { OpOptions } from './ops.ts';
import { evaluate } from './interpreter.ts';
import { createRandom } from '@offgrid/features';
import { OP_CASES } from './test-op-cases.ts';
import type { FloatOp, OpCase } from './test-op-cases.ts';

type Reference<K extends FloatOp> = (inputs: tf.Tensor[], options: OpOptions[K]) => tf.Tensor;

function randomValues(shape: number[], random: () => number): Float32Array {
  return Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => random() * 2 - 1);
}

function activate(x: tf.Tensor, activation: Activation): tf.Tensor {
  if (activation === 'relu') return tf.relu(x);
  if (activation === 'relu6') return tf.relu6(x);
  if (activation === 'tanh') return tf.tanh(x);
  if (activation === 'reluN1To1') return tf.clipByValue(x, -1, 1);
  return x;
}

const hwio = (w: tf.Tensor) => tf.transpose(w, [1, 2, 3, 0]) as tf.Tensor4D;

const REFERENCES: { [K in FloatOp]: Reference<K> } = {
  CONV_2D: ([x, w, b], o) =>
    activate(tf.conv2d(x as tf.Tensor4D, hwio(w), [o.strideH, o.strideW], o.padding, 'NHWC', [o.dilationH, o.dilationW]).add(b), o.activation),
  DEPTHWISE_CONV_2D: ([x, w, b], o) => {
    const [, kh, kw, out] = w.shape;
    const filter = w.reshape([kh, kw, out / o.depthMultiplier, o.depthMultiplier]) as tf.Tensor4D;
    const y = tf.depthwiseConv2d(x as tf.Tensor4D, filter, [o.strideH, o.strideW], o.padding, 'NHWC', [o.dilationH, o.dilationW]);
    return activate(y.add(b), o.activation);
  },
  FULLY_CONNECTED: ([x, w, b], o) => {
    const y = tf.matMul(x.reshape([-1, w.shape[1] as number]) as tf.Tensor2D, w as tf.Tensor2D, false, true).add(b);
    return activate(o.keepNumDims ? y.reshape([...x.shape.slice(0, -1), w.shape[0]]) : y, o.activation);
  },
  MAX_POOL_2D: ([x], o) => activate(tf.maxPool(x as tf.Tensor4D, [o.filterH, o.filterW], [o.strideH, o.strideW], o.padding), o.activation),
  AVERAGE_POOL_2D: ([x], o) => activate(tf.avgPool(x as tf.Tensor4D, [o.filterH, o.filterW], [o.strideH, o.strideW], o.padding), o.activation),
  MEAN: ([x, axes], o) => tf.mean(x, Array.from(axes.dataSync()), o.keepDims),
  REDUCE_MAX: ([x, axes], o) => tf.max(x, Array.from(axes.dataSync()), o.keepDims),
  RESHAPE: ([x, shape], o) => x.reshape(o.newShape.length > 0 ? o.newShape : Array.from(shape.dataSync())),
  SOFTMAX: ([x], o) => tf.softmax(x.mul(o.beta)),
  ADD: ([a, b], o) => activate(tf.add(a, b), o.activation),
  MUL: ([a, b], o) => activate(tf.mul(a, b), o.activation),
  SUB: ([a, b], o) => activate(tf.sub(a, b), o.activation),
  DIV: ([a, b], o) => activate(tf.div(a, b), o.activation),
  SQUARED_DIFFERENCE: ([a, b]) => tf.squaredDifference(a, b),
  GATHER: ([params, ids], o) => tf.gather(params, ids, o.axis),
  RELU: ([x]) => tf.relu(x),
  RELU6: ([x]) => tf.relu6(x),
  LOGISTIC: ([x]) => tf.sigmoid(x),
  TANH: ([x]) => tf.tanh(x),
  PAD: ([x, p]) => tf.pad(x, Array.from({ length: x.rank }, (_, i) => [p.dataSync()[2 * i], p.dataSync()[2 * i + 1]] as [number, number])),
  CONCATENATION: (inputs, o) => activate(tf.concat(inputs, o.axis), o.activation),
};

/** Largest |actual - want|; a NaN must meet a NaN (and counts as an infinite error otherwise). */
function maxAbsError(actual: ArrayLike<number>, want: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < want.length; i++) {
    const error = Number.isNaN(want[i]) && Number.isNaN(actual[i]) ? 0 : Math.abs(actual[i] - want[i]);
    max = Math.max(max, Number.isNaN(error) ? Infinity : error);
  }
  return max;
}

function opCase({ op, inputs, options, tolerance }: OpCase, seed: number): void {
  test(`${op} #${seed} ${JSON.stringify(options)} ${JSON.stringify(inputs)}`, async () => {
    const random = createRandom(seed).next;
    const g = new GraphBuilder();
    const feeds: (Float32Array | Int32Array)[] = [];
    const refs: TensorRef[] = [];
    const references: tf.Tensor[] = [];
    inputs.forEach((input, i) => {
      if (Array.isArray(input)) {
        const values = randomValues(input, random);
        feeds.push(values);
        refs.push(g.input(`in${i}`, input));
        references.push(tf.tensor(values, input));
      } else if ('weights' in input) {
        const values = randomValues(input.weights, random);
        refs.push(g.constant(`w${i}`, input.weights, values));
        references.push(tf.tensor(values, input.weights));
      } else if ('values' in input) {
        const values = Float32Array.from(input.values);
        feeds.push(values);
        refs.push(g.input(`in${i}`, input.shape));
        references.push(tf.tensor(values, input.shape));
      } else if ('ids' in input) {
        const ids = Int32Array.from({ length: input.ids.reduce((p, d) => p * d, 1) }, () => Math.floor(random() * input.below));
        feeds.push(ids);
        refs.push(g.input(`ids${i}`, input.ids, { dtype: 'int32' }));
        references.push(tf.tensor(ids, input.ids, 'int32'));
      } else {
        refs.push(g.constant(`c${i}`, input.shape, Int32Array.from(input.int32)));
        references.push(tf.tensor(input.int32, input.shape, 'int32'));
      }
    });
    const y = g.op(op, refs, options);
    g.output(y);
    const session = await TfliteSession.create(g.build());
    try {
      const [actual] = await session.run(feeds);
      const expected = tf.tidy(() => (REFERENCES[op] as Reference<FloatOp>)(references, g.toModel().operators[0].options as never));
      assert.deepEqual(session.outputShapes[0], expected.shape, 'runtime output shape');
      assert.deepEqual([...y.shape], expected.shape, 'inferred output shape');
      const want = expected.dataSync();
      const error = maxAbsError(actual, want);
      assert.ok(error <= tolerance, `max abs error ${error} > ${tolerance}`);
      const [interpreted] = evaluate(g.toModel(), feeds);
      const interpreterError = maxAbsError(interpreted, want);
      assert.ok(interpreterError <= tolerance, `reference interpreter: max abs error ${interpreterError} > ${tolerance}`);
      expected.dispose();
    } finally {
      session.close();
      tf.dispose(references);
    }
  });
}

before(async () => {
  await tf.setBackend('cpu');
  await loadLiteRtNode();
});
after(() => tf.disposeVariables());

// The cases live in test-op-cases.ts, shared with the int8 harness (quantize.test.ts).
OP_CASES.forEach((c, i) => opCase(c, i + 1));

test('CONCATENATION refuses a fused activation, which LiteRT silently ignores', () => {
  const g = new GraphBuilder();
  const a = g.input('a', [1, 2]);
  g.output(g.op('CONCATENATION', [a, a], { activation: 'relu' }));
  assert.throws(() => g.build(), /CONCATENATION.*fused activation/);
});

// Inputs an op legitimately cannot take are refused while the model is built or written, with the fix, rather
// than by LiteRT.js at load time with a message that names neither the op nor the tensor.
test('SOFTMAX refuses a scalar: it normalizes over the last axis', () => {
  const g = new GraphBuilder();
  assert.throws(() => g.op('SOFTMAX', [g.input('x', [])]), /SOFTMAX needs an input of rank 1 or more .*reshape a scalar to \[1\]/);
});

test('empty tensors (a dimension of 0) are refused when the model is written: LiteRT.js cannot run them', () => {
  for (const [op, shape] of [['RELU', [1, 0]], ['SOFTMAX', [0, 4]], ['ADD', [1, 0, 3]]] as const) {
    const g = new GraphBuilder();
    const x = g.input('x', shape);
    g.output(op === 'ADD' ? g.op(op, [x, x]) : g.op(op, [x]));
    assert.throws(() => g.build(), new RegExp(`Tensor 0 "x": shape \\[${shape}\\] holds no values; LiteRT.js cannot run empty tensors`), op);
  }
});

