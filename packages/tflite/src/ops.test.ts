/**
 * Operator conformance, one line per case: build a one-op model with seeded inputs and weights,
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
import type { OpName, OpOptions } from './ops.ts';
import { evaluate } from './interpreter.ts';
import { createRandom } from '@offgrid/features';

/**
 * A runtime float32 input (shape), a random float32 constant ({ weights }), an int32 constant, or
 * a runtime int32 input of random ids in [0, below) ({ ids: shape, below }).
 */
type Input = number[] | { weights: number[] } | { int32: number[]; shape: number[] } | { ids: number[]; below: number };
/** QUANTIZE/DEQUANTIZE are type conversions, covered by quantize.test.ts and float16.test.ts. */
type FloatOp = Exclude<OpName, 'QUANTIZE' | 'DEQUANTIZE'>;
type Reference<K extends OpName> = (inputs: tf.Tensor[], options: OpOptions[K]) => tf.Tensor;

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
  SQUARED_DIFFERENCE: ([a, b]) => tf.squaredDifference(a, b),
  GATHER: ([params, ids], o) => tf.gather(params, ids, o.axis),
  RELU: ([x]) => tf.relu(x),
  RELU6: ([x]) => tf.relu6(x),
  LOGISTIC: ([x]) => tf.sigmoid(x),
  TANH: ([x]) => tf.tanh(x),
  PAD: ([x, p]) => tf.pad(x, Array.from({ length: x.rank }, (_, i) => [p.dataSync()[2 * i], p.dataSync()[2 * i + 1]] as [number, number])),
  CONCATENATION: (inputs, o) => activate(tf.concat(inputs, o.axis), o.activation),
};

let caseNumber = 0;

function opCase<K extends FloatOp>(op: K, inputs: Input[], options: Partial<OpOptions[K]> = {}, tolerance = 1e-5): void {
  const seed = ++caseNumber;
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
      const expected = tf.tidy(() => REFERENCES[op](references, g.toModel().operators[0].options as never));
      assert.deepEqual(session.outputShapes[0], expected.shape, 'runtime output shape');
      assert.deepEqual([...y.shape], expected.shape, 'inferred output shape');
      const want = expected.dataSync();
      let maxError = 0;
      for (let i = 0; i < want.length; i++) maxError = Math.max(maxError, Math.abs(actual[i] - want[i]));
      assert.ok(maxError <= tolerance, `max abs error ${maxError} > ${tolerance}`);
      const [interpreted] = evaluate(g.toModel(), feeds);
      const interpreterError = Math.max(...want.map((v, i) => Math.abs(interpreted[i] - v)));
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

// op, inputs, options, tolerance
opCase('CONV_2D', [[1, 6, 6, 3], { weights: [4, 3, 3, 3] }, { weights: [4] }], { padding: 'same' });
opCase('CONV_2D', [[1, 7, 7, 3], { weights: [5, 3, 3, 3] }, { weights: [5] }], { padding: 'same', strideH: 2, strideW: 2, activation: 'relu' });
opCase('CONV_2D', [[1, 8, 8, 2], { weights: [3, 3, 3, 2] }, { weights: [3] }], { padding: 'valid', strideH: 2, strideW: 2, activation: 'relu6' });
opCase('CONV_2D', [[1, 9, 9, 2], { weights: [3, 5, 3, 2] }, { weights: [3] }], { padding: 'valid', strideH: 1, strideW: 2 });
opCase('CONV_2D', [[1, 9, 9, 2], { weights: [3, 3, 3, 2] }, { weights: [3] }], { padding: 'same', dilationH: 2, dilationW: 2 });
opCase('CONV_2D', [[1, 5, 5, 8], { weights: [6, 1, 1, 8] }, { weights: [6] }], { activation: 'relu' });
opCase('DEPTHWISE_CONV_2D', [[1, 6, 6, 4], { weights: [1, 3, 3, 4] }, { weights: [4] }], { padding: 'same', activation: 'relu6' });
opCase('DEPTHWISE_CONV_2D', [[1, 7, 7, 3], { weights: [1, 3, 3, 3] }, { weights: [3] }], { padding: 'same', strideH: 2, strideW: 2 });
opCase('DEPTHWISE_CONV_2D', [[1, 6, 6, 2], { weights: [1, 3, 3, 6] }, { weights: [6] }], { padding: 'valid', depthMultiplier: 3, activation: 'relu' });
opCase('FULLY_CONNECTED', [[1, 10], { weights: [4, 10] }, { weights: [4] }]);
opCase('FULLY_CONNECTED', [[1, 16], { weights: [8, 16] }, { weights: [8] }], { activation: 'relu' });
opCase('FULLY_CONNECTED', [[1, 3, 3, 5], { weights: [2, 5] }, { weights: [2] }], { keepNumDims: true, activation: 'relu6' });
opCase('MAX_POOL_2D', [[1, 8, 8, 3]]);
opCase('MAX_POOL_2D', [[1, 7, 7, 3]], { padding: 'same', filterH: 3, filterW: 3 });
opCase('AVERAGE_POOL_2D', [[1, 8, 8, 3]]);
opCase('AVERAGE_POOL_2D', [[1, 7, 7, 2]], { padding: 'same', filterH: 3, filterW: 3, strideH: 2, strideW: 2 });
opCase('AVERAGE_POOL_2D', [[1, 7, 7, 2]], { padding: 'valid', filterH: 7, filterW: 7, strideH: 1, strideW: 1 });
opCase('MEAN', [[1, 5, 5, 6], { int32: [1, 2], shape: [2] }]);
opCase('MEAN', [[1, 4, 4, 3], { int32: [1, 2], shape: [2] }], { keepDims: true });
opCase('REDUCE_MAX', [[1, 4, 4, 3], { int32: [1, 2], shape: [2] }]);
opCase('RESHAPE', [[1, 4, 4, 3]], { newShape: [1, 48] });
opCase('RESHAPE', [[1, 4, 4, 3], { int32: [1, -1], shape: [2] }], { newShape: [1, -1] });
opCase('SOFTMAX', [[1, 10]]);
opCase('SOFTMAX', [[1, 7]], { beta: 2 });
opCase('ADD', [[1, 4, 4, 3], [1, 4, 4, 3]]);
opCase('ADD', [[1, 4, 4, 3], { weights: [3] }], { activation: 'relu' });
opCase('MUL', [[1, 4, 4, 3], { weights: [3] }]);
opCase('RELU', [[1, 3, 3, 4]]);
opCase('RELU6', [[1, 20]]);
opCase('LOGISTIC', [[1, 20]]);
opCase('TANH', [[1, 20]]);
opCase('PAD', [[1, 4, 4, 2], { int32: [0, 0, 1, 2, 2, 1, 0, 0], shape: [4, 2] }]);
opCase('SUB', [[1, 4, 4, 3], [1, 4, 4, 3]]);
opCase('SUB', [[1, 12], { weights: [12] }], { activation: 'relu' });
opCase('SQUARED_DIFFERENCE', [[1, 16], [1, 16]]);
opCase('SQUARED_DIFFERENCE', [[1, 4, 4, 3], { weights: [3] }]);
opCase('GATHER', [{ weights: [20, 8] }, { ids: [1, 12], below: 20 }]);
opCase('GATHER', [{ weights: [50, 16] }, { ids: [1, 5], below: 50 }], { axis: 0 });
opCase('GATHER', [[1, 6, 4], { int32: [3, 0, 5, 5], shape: [4] }], { axis: 1 });
opCase('CONCATENATION', [[1, 3, 3, 2], [1, 3, 3, 5]], { axis: 3 });
opCase('CONCATENATION', [[1, 4], [1, 6], { weights: [1, 2] }], { axis: -1 });
opCase('CONCATENATION', [[1, 2, 2, 4], [1, 3, 2, 4]], { axis: -3 });

test('CONCATENATION refuses a fused activation, which LiteRT silently ignores', () => {
  const g = new GraphBuilder();
  const a = g.input('a', [1, 2]);
  g.output(g.op('CONCATENATION', [a, a], { activation: 'relu' }));
  assert.throws(() => g.build(), /CONCATENATION.*fused activation/);
});
