/**
 * int8 conformance, for every case of test-op-cases.ts: a one-op float model is quantized (calibrated on 100
 * seeded samples), run in LiteRT.js, and compared with the float reference interpreter on
 * calibration samples — inputs inside the calibrated ranges, so what is measured is the int8
 * arithmetic, not range clipping (which the model-level tests in engine cover). Tolerance is a
 * fraction of the output's float range: one int8 step is 1/255 of a range, so a few steps of
 * accumulated rounding stay under 2%.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder } from './graph-builder.ts';
import type { TensorRef } from './graph-builder.ts';
import { TfliteSession, loadLiteRtNode } from './litert-node.ts';
import { evaluate } from './interpreter.ts';
import { calibrate, quantizeInt8, MIN_CALIBRATION_SAMPLES } from './quantize.ts';
import { activationStatsLiteRt, calibrateLiteRt, empiricalBiasShifts } from './calibrate-litert.ts';
import { ActivationStats } from './activation-ranges.ts';
import { parseModel } from './reader.ts';
import { serializeModel } from './writer.ts';
import type { OpName, OpOptions } from './ops.ts';
import { OP_CASES, hasNaN } from './test-op-cases.ts';
import type { Input, OpCase } from './test-op-cases.ts';
import type { TfliteModel } from './model.ts';
import { createRandom } from '@offgrid/features';

type Feed = Float32Array | Int32Array;
/** A runtime input: random floats, random ids in [0, below), or the given values. */
type RuntimeInput = { shape: number[]; below?: number; values?: number[] };

const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);
/** Inputs in [-1, 3): asymmetric on purpose, so zero points are not trivially 0. */
const randomValues = (shape: number[], random: () => number) => Float32Array.from({ length: size(shape) }, () => random() * 4 - 1);

function oneOpModel<K extends OpName>(op: K, inputs: Input[], options: Partial<OpOptions[K]>, random: () => number): { model: TfliteModel; runtimeInputs: RuntimeInput[] } {
  const g = new GraphBuilder();
  const runtimeInputs: RuntimeInput[] = [];
  const refs: TensorRef[] = inputs.map((input, i) => {
    if (Array.isArray(input)) {
      runtimeInputs.push({ shape: input });
      return g.input(`in${i}`, input);
    }
    if ('values' in input) {
      runtimeInputs.push({ shape: input.shape, values: input.values });
      return g.input(`in${i}`, input.shape);
    }
    if ('ids' in input) {
      runtimeInputs.push({ shape: input.ids, below: input.below });
      return g.input(`ids${i}`, input.ids, { dtype: 'int32' });
    }
    if ('weights' in input) return g.constant(`w${i}`, input.weights, Float32Array.from(randomValues(input.weights, random), (v) => (v - 1) / 2));
    return g.constant(`c${i}`, input.shape, Int32Array.from(input.int32));
  });
  g.output(g.op(op, refs, options));
  return { model: g.toModel(), runtimeInputs };
}

function runtimeValues(input: RuntimeInput, random: () => number): Feed {
  if (input.values) return Float32Array.from(input.values);
  if (input.below === undefined) return randomValues(input.shape, random);
  return Int32Array.from({ length: size(input.shape) }, () => Math.floor(random() * (input.below as number)));
}

/** Max error as a fraction of the output's float range (see above). */
const TOLERANCE = 0.02;

function int8Case({ op, inputs, options }: OpCase, seed: number): void {
  test(`int8 ${op} #${seed} ${JSON.stringify(options)} ${JSON.stringify(inputs)}`, async () => {
    const random = createRandom(seed).next;
    const { model, runtimeInputs } = oneOpModel(op, inputs, options, random);
    const sample = () => runtimeInputs.map((input) => runtimeValues(input, random));
    const calibration = Array.from({ length: MIN_CALIBRATION_SAMPLES }, sample);
    if (op === 'DIV') {
      assert.throws(() => quantizeInt8(model, { representativeData: calibration }), /DIV \(operator 0\) has no int8 kernel in TFLite; list it and what follows it in floatOperators/);
      return;
    }
    if (hasNaN(inputs)) {
      // int8 has no NaN: calibrating on one is refused, not turned into a range that hides it.
      assert.throws(() => quantizeInt8(model, { representativeData: calibration }), /holds NaN at index \d+; int8 ranges need finite values/);
      return;
    }
    const quantized = quantizeInt8(model, { representativeData: calibration });
    const bytes = serializeModel(quantized);
    // Every op inside works on int8; only the boundary converts.
    const parsed = parseModel(bytes);
    const inner = parsed.operators.find((o) => o.op === op);
    assert.ok(inner);
    assert.equal(parsed.tensors[inner.outputs[0]].dtype, 'int8');
    const session = await TfliteSession.create(bytes);
    try {
      let maxError = 0;
      let lo = Infinity;
      let hi = -Infinity;
      for (let run = 0; run < 5; run++) {
        const feeds = calibration[run * 17];
        const [want] = evaluate(model, feeds);
        const [got] = await session.run(feeds);
        assert.equal(got.length, want.length);
        want.forEach((v, i) => {
          maxError = Math.max(maxError, Math.abs(got[i] - v));
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        });
      }
      const relative = maxError / Math.max(hi - lo, 1e-6);
      assert.ok(relative <= TOLERANCE, `max abs error ${maxError.toFixed(5)} = ${(relative * 100).toFixed(2)}% of the output range > ${TOLERANCE * 100}%`);
    } finally {
      session.close();
    }
  });
}

before(async () => {
  await loadLiteRtNode();
});

// The cases live in test-op-cases.ts, shared with the float harness (ops.test.ts).
OP_CASES.forEach((c, i) => int8Case(c, 1001 + i));

test('quantizeInt8 follows the int8 spec: per-channel weights, int32 bias, fixed softmax output', () => {
  const random = createRandom(7).next;
  const g = new GraphBuilder();
  const x = g.input('x', [1, 6, 6, 3]);
  const conv = g.op('CONV_2D', [x, g.constant('cw', [4, 3, 3, 3], randomValues([4, 3, 3, 3], random)), g.constant('cb', [4], randomValues([4], random))], { padding: 'same' });
  const dw = g.op('DEPTHWISE_CONV_2D', [conv, g.constant('dw', [1, 3, 3, 4], randomValues([1, 3, 3, 4], random)), null], { padding: 'same' });
  const pooled = g.op('MAX_POOL_2D', [dw]);
  const flat = g.op('RESHAPE', [pooled], { newShape: [1, -1] });
  g.output(g.op('SOFTMAX', [g.op('FULLY_CONNECTED', [flat, g.constant('fw', [5, 36], randomValues([5, 36], random)), g.constant('fb', [5], randomValues([5], random))])]));
  const model = g.toModel();
  const q = quantizeInt8(model, { representativeData: Array.from({ length: 100 }, () => randomValues([1, 6, 6, 3], random)) });
  const byName = (name: string) => q.tensors.find((t) => t.name === name) as TfliteModel['tensors'][number];
  const tensorOf = (op: OpName, position: number) => {
    const operator = q.operators.find((o) => o.op === op) as TfliteModel['operators'][number];
    return q.tensors[operator.inputs[position]];
  };
  assert.deepEqual(q.operators.map((o) => o.op), ['QUANTIZE', 'CONV_2D', 'DEPTHWISE_CONV_2D', 'MAX_POOL_2D', 'RESHAPE', 'FULLY_CONNECTED', 'SOFTMAX', 'DEQUANTIZE']);
  assert.equal(q.tensors[q.inputs[0]].dtype, 'float32');
  assert.equal(q.tensors[q.outputs[0]].dtype, 'float32');
  const cw = byName('cw');
  assert.equal(cw.dtype, 'int8');
  assert.equal(cw.quantization?.scale.length, 4, 'conv: one scale per output channel');
  assert.equal(cw.quantization?.quantizedDimension, 0);
  assert.ok(cw.quantization?.zeroPoint.every((z) => z === 0n));
  const dwq = byName('dw').quantization;
  assert.equal(dwq?.scale.length, 4);
  assert.equal(dwq?.quantizedDimension, 3, 'depthwise: channel axis 3');
  assert.equal(byName('fw').quantization?.scale.length, 1, 'fully connected: per tensor');
  const bias = tensorOf('CONV_2D', 2);
  assert.equal(bias.dtype, 'int32');
  const inputScale = (tensorOf('CONV_2D', 0).quantization as { scale: number[] }).scale[0];
  bias.quantization?.scale.forEach((s, c) => assert.ok(Math.abs(s - inputScale * (cw.quantization as { scale: number[] }).scale[c]) < 1e-12));
  assert.equal(tensorOf('DEPTHWISE_CONV_2D', 2).dtype, 'int32', 'a missing bias becomes an explicit int32 zero bias');
  const softmaxOut = q.tensors[(q.operators.find((o) => o.op === 'SOFTMAX') as TfliteModel['operators'][number]).outputs[0]];
  assert.deepEqual([softmaxOut.quantization?.scale[0], softmaxOut.quantization?.zeroPoint[0]], [1 / 256, -128n]);
  assert.deepEqual(tensorOf('RESHAPE', 0).quantization, q.tensors[(q.operators.find((o) => o.op === 'RESHAPE') as TfliteModel['operators'][number]).outputs[0]].quantization, 'reshape keeps its input params');
  assert.throws(() => quantizeInt8(model, { representativeData: [randomValues([1, 6, 6, 3], random)] }), /at least 100 representative samples/);
});

test('uint8 I/O: uint8 input and output tensors around an int8 graph, runnable in LiteRT.js', async () => {
  const random = createRandom(9).next;
  const g = new GraphBuilder();
  const x = g.input('x', [1, 16]);
  g.output(g.op('SOFTMAX', [g.op('FULLY_CONNECTED', [x, g.constant('w', [4, 16], randomValues([4, 16], random)), g.constant('b', [4], randomValues([4], random))])]));
  const model = g.toModel();
  const q = quantizeInt8(model, { representativeData: Array.from({ length: 100 }, () => randomValues([1, 16], random)), io: 'uint8' });
  const input = q.tensors[q.inputs[0]];
  const output = q.tensors[q.outputs[0]];
  assert.equal(input.dtype, 'uint8');
  assert.equal(output.dtype, 'uint8');
  assert.deepEqual([output.quantization?.scale[0], output.quantization?.zeroPoint[0]], [1 / 256, 0n]);
  const [scale, zeroPoint] = [input.quantization?.scale[0] as number, Number(input.quantization?.zeroPoint[0])];
  const session = await TfliteSession.create(serializeModel(q));
  try {
    const values = randomValues([1, 16], random);
    const raw = Uint8Array.from(values, (v) => Math.max(0, Math.min(255, Math.round(v / scale) + zeroPoint)));
    const [probabilities] = await session.run([raw]);
    const [want] = evaluate(model, [values]);
    probabilities.forEach((q8, i) => assert.ok(Math.abs(q8 / 256 - want[i]) < 0.03, `class ${i}: ${q8 / 256} vs ${want[i]}`));
  } finally {
    session.close();
  }
});

test('calibrateLiteRt finds the ranges the reference interpreter finds, and quantizeInt8 takes them', async () => {
  const random = createRandom(11).next;
  const g = new GraphBuilder();
  const x = g.input('x', [1, 6, 6, 3]);
  const conv = g.op('CONV_2D', [x, g.constant('cw', [4, 3, 3, 3], randomValues([4, 3, 3, 3], random)), g.constant('cb', [4], randomValues([4], random))], { padding: 'same', activation: 'relu6' });
  const dw = g.op('DEPTHWISE_CONV_2D', [conv, g.constant('dw', [1, 3, 3, 4], randomValues([1, 3, 3, 4], random)), null], { padding: 'same' });
  const sum = g.op('ADD', [conv, dw]);
  const pooled = g.op('AVERAGE_POOL_2D', [sum], { filterH: 6, filterW: 6, strideH: 1, strideW: 1, padding: 'valid' });
  const flat = g.op('RESHAPE', [pooled], { newShape: [1, -1] });
  g.output(g.op('SOFTMAX', [g.op('FULLY_CONNECTED', [flat, g.constant('fw', [5, 4], randomValues([5, 4], random)), g.constant('fb', [5], randomValues([5], random))])]));
  const model = g.toModel();
  const samples = Array.from({ length: MIN_CALIBRATION_SAMPLES }, () => randomValues([1, 6, 6, 3], random));
  const want = calibrate(model, samples);
  const got = await calibrateLiteRt(model, samples);
  assert.equal(got.length, model.tensors.length);
  want.forEach((range, i) => {
    if (!range || model.tensors[i].data) return assert.equal(got[i], undefined, `tensor ${i}`);
    const span = Math.max(range.max - range.min, 1e-6);
    assert.ok(Math.abs((got[i]?.min ?? NaN) - range.min) <= 1e-5 * span && Math.abs((got[i]?.max ?? NaN) - range.max) <= 1e-5 * span, `tensor ${i} "${model.tensors[i].name}": ${JSON.stringify(got[i])} vs ${JSON.stringify(range)}`);
    assert.equal(got[i]?.channelMeans?.length, model.tensors[i].shape.at(-1));
    range.channelMeans?.forEach((m, c) => assert.ok(Math.abs((got[i]?.channelMeans?.[c] ?? NaN) - m) <= 1e-5 * span, `tensor ${i} channel ${c} mean`));
  });
  const a = quantizeInt8(model, { representativeData: samples });
  const b = quantizeInt8(model, { representativeData: samples, ranges: got });
  a.tensors.forEach((t, i) => t.quantization && t.quantization.scale.forEach((s, c) => assert.ok(Math.abs(s - (b.tensors[i].quantization?.scale[c] ?? NaN)) <= 1e-6 * s, t.name)));
  assert.throws(() => quantizeInt8(model, { representativeData: samples, ranges: got.slice(1) }), /calibrated ranges/);
  await assert.rejects(calibrateLiteRt(model, samples.slice(0, 10)), /at least 100 representative samples/);
});

test('text model: int32 ids stay the model input (no QUANTIZE), GATHER reads an asymmetric int8 table and keeps its parameters', async () => {
  const random = createRandom(21).next;
  const [vocab, dim, steps] = [30, 8, 10];
  const g = new GraphBuilder();
  const ids = g.input('ids', [1, steps], { dtype: 'int32' });
  const table = g.constant('embedding', [vocab, dim], randomValues([vocab, dim], random));
  const embedded = g.op('GATHER', [table, ids]);
  const pooled = g.op('MEAN', [embedded, g.constant('axes', [1], Int32Array.from([1]))]);
  g.output(g.op('SOFTMAX', [g.op('FULLY_CONNECTED', [pooled, g.constant('w', [3, dim], randomValues([3, dim], random)), g.constant('b', [3], randomValues([3], random))])]));
  const model = g.toModel();
  const sample = () => Float32Array.from({ length: steps }, () => Math.floor(random() * vocab)); // ids as floats, as training data holds them
  const q = quantizeInt8(model, { representativeData: Array.from({ length: MIN_CALIBRATION_SAMPLES }, sample) });
  assert.deepEqual(q.operators.map((o) => o.op), ['GATHER', 'MEAN', 'FULLY_CONNECTED', 'SOFTMAX', 'DEQUANTIZE']);
  const input = q.tensors[q.inputs[0]];
  assert.equal(input.dtype, 'int32');
  assert.equal(input.quantization, undefined);
  const gatherOp = q.operators[0];
  const tableTensor = q.tensors[gatherOp.inputs[0]];
  assert.equal(tableTensor.dtype, 'int8');
  assert.equal(tableTensor.quantization?.scale.length, 1, 'per-tensor table');
  assert.deepEqual(q.tensors[gatherOp.outputs[0]].quantization, tableTensor.quantization, 'GATHER output keeps the table parameters');
  const session = await TfliteSession.create(serializeModel(q));
  try {
    let agree = 0;
    for (let run = 0; run < 20; run++) {
      const feed = Int32Array.from(sample());
      const [want] = evaluate(model, [feed]);
      const [got] = await session.run([feed]);
      got.forEach((p, i) => assert.ok(Math.abs(p - want[i]) < 0.03, `class ${i}: ${p} vs ${want[i]}`));
      if (got.indexOf(Math.max(...got)) === want.indexOf(Math.max(...want))) agree++;
    }
    assert.ok(agree >= 19, `top-1 agreement ${agree}/20`);
  } finally {
    session.close();
  }
  const ranges = await calibrateLiteRt(model, Array.from({ length: MIN_CALIBRATION_SAMPLES }, () => Int32Array.from(sample())));
  assert.equal(ranges[model.inputs[0]], undefined, 'no range for the int32 ids');
});

test('floatOperators: an int8 autoencoder with a float32 score tail (DEQUANTIZE, SQUARED_DIFFERENCE, MEAN in float)', async () => {
  const random = createRandom(23).next;
  const g = new GraphBuilder();
  const x = g.input('x', [1, 12]);
  const small = (shape: number[]) => Float32Array.from(randomValues(shape, random), (v) => (v - 1) / 4);
  const code = g.op('FULLY_CONNECTED', [x, g.constant('enc', [4, 12], small([4, 12])), g.constant('encb', [4], new Float32Array(4))], { activation: 'relu' });
  const recon = g.op('FULLY_CONNECTED', [code, g.constant('dec', [12, 4], small([12, 4])), g.constant('decb', [12], new Float32Array(12))]);
  const squared = g.op('SQUARED_DIFFERENCE', [x, recon]);
  g.output(g.op('MEAN', [squared, g.constant('axes', [1], Int32Array.from([1]))], { keepDims: true }));
  const model = g.toModel();
  const samples = Array.from({ length: MIN_CALIBRATION_SAMPLES }, () => randomValues([1, 12], random));
  const q = quantizeInt8(model, { representativeData: samples, floatOperators: [2, 3] });
  assert.deepEqual(q.operators.map((o) => o.op), ['QUANTIZE', 'FULLY_CONNECTED', 'FULLY_CONNECTED', 'DEQUANTIZE', 'SQUARED_DIFFERENCE', 'MEAN']);
  const sq = q.operators[4];
  assert.equal(sq.inputs[0], q.inputs[0], 'the score reads the float model input itself');
  assert.equal(q.tensors[q.outputs[0]].dtype, 'float32');
  assert.equal(q.tensors[sq.outputs[0]].quantization, undefined);
  const allInt8 = quantizeInt8(model, { representativeData: samples });
  const calibratedMax = Math.max(...samples.map((sample) => evaluate(model, [sample])[0][0]));
  const [floatTail, int8Tail] = await Promise.all([TfliteSession.create(serializeModel(q)), TfliteSession.create(serializeModel(allInt8))]);
  try {
    const inRange = samples[3];
    const [want] = evaluate(model, [inRange]);
    const [got] = await floatTail.run([inRange]);
    assert.ok(Math.abs(got[0] - want[0]) <= 0.05 * want[0], `in range: score ${got[0]} vs float ${want[0]}`);
    // Far outside the calibrated range (an "anomaly"): an int8 score saturates at the calibrated
    // maximum, the float tail keeps growing with the input's true distance.
    const far = Float32Array.from(inRange, (v) => v * 10);
    const [floatScore] = (await floatTail.run([far]))[0];
    const [int8Score] = (await int8Tail.run([far]))[0];
    assert.ok(int8Score <= calibratedMax * 1.02, `int8 tail saturates: ${int8Score} vs calibrated max ${calibratedMax}`);
    assert.ok(floatScore > 10 * calibratedMax, `float tail: ${floatScore} vs calibrated max ${calibratedMax}`);
  } finally {
    floatTail.close();
    int8Tail.close();
  }
  assert.throws(() => quantizeInt8(model, { representativeData: samples, floatOperators: [2] }), /float tail: MEAN/);
});

test('activation ranges: mse and percentile clip rare outliers that minmax covers, keep a uniform range, and channel means are per last axis', () => {
  const random = createRandom(31).next;
  const g = new GraphBuilder();
  const x = g.input('x', [1, 2500, 4]);
  g.output(g.op('RELU', [x]));
  const model = g.toModel();
  // 10^6 bell-shaped values (sum of 4 uniforms, std ~0.58), channel c shifted by c, and one outlier at 40.
  const bell = (c: number) => c + random() + random() + random() + random() - 2;
  const samples = Array.from({ length: MIN_CALIBRATION_SAMPLES }, () => Float32Array.from({ length: 10000 }, (_, k) => bell(k % 4)));
  samples[17][5] = 40;
  const stats = new ActivationStats(model);
  samples.forEach((sample) => stats.add(model.inputs[0], sample));
  const [minmax, mse, percentile] = (['minmax', 'mse', 'percentile'] as const).map((method) => stats.ranges(method)[model.inputs[0]] as { min: number; max: number; channelMeans: number[] });
  assert.equal(minmax.max, 40);
  // mse trades the outlier's clipping error (40 − max)² against 10^6 values' rounding noise step²/12: ~17.
  assert.ok(mse.max < 20 && mse.max > 5, `mse clips the outlier, keeps the bulk (3 + 2 ± tail): max ${mse.max}`);
  assert.ok(percentile.max < 6 && percentile.max > 4, `percentile clips at the 99.99 % quantile of the bulk: max ${percentile.max}`);
  assert.ok(mse.min <= -1.5 && mse.min >= minmax.min, `mse keeps the low tail: ${mse.min} (minmax ${minmax.min})`);
  mse.channelMeans.forEach((m, c) => assert.ok(Math.abs(m - c) < 0.05 + (c === 1 ? 40 / 250000 : 0), `channel ${c} mean ${m}`));
  // Uniform values have no outliers worth clipping: the range stays (within the 1 % search step).
  const uniform = new ActivationStats(model);
  for (let s = 0; s < 20; s++) uniform.add(model.inputs[0], Float32Array.from({ length: 10000 }, () => random() * 4 - 1));
  const kept = uniform.ranges('mse')[model.inputs[0]] as { min: number; max: number };
  assert.ok(kept.max > 2.9 && kept.min < -0.97, `uniform [-1, 3): mse range ${JSON.stringify(kept)}`);
  assert.throws(() => stats.ranges('max' as 'mse'), /Unknown activation range method "max"/);
});

test('bias correction removes the mean output shift that rounding the weights causes (LiteRT.js)', async () => {
  const random = createRandom(37).next;
  const g = new GraphBuilder();
  const x = g.input('x', [1, 8, 8, 16]);
  // One large weight per output channel makes the channel's int8 step coarse, so the other 15
  // weights round with errors that add up over inputs with a positive mean (post-ReLU-like).
  const weights = Float32Array.from({ length: 8 * 16 }, (_, k) => (k % 16 === 0 ? 4 : random() * 0.2 - 0.1));
  g.output(g.op('CONV_2D', [x, g.constant('w', [8, 1, 1, 16], weights), g.constant('b', [8], new Float32Array(8))]));
  const model = g.toModel();
  const sample = () => Float32Array.from({ length: 8 * 8 * 16 }, () => 0.5 + random());
  const calibration = Array.from({ length: MIN_CALIBRATION_SAMPLES }, sample);
  const heldOut = Array.from({ length: 20 }, sample);
  const meanShift = async (biasCorrection: boolean) => {
    const session = await TfliteSession.create(serializeModel(quantizeInt8(model, { representativeData: calibration, rangeMethod: 'minmax', biasCorrection })));
    try {
      const shift = new Float64Array(8);
      for (const input of heldOut) {
        const [want] = evaluate(model, [input]);
        const [got] = await session.run([input]);
        got.forEach((v, i) => (shift[i % 8] += (v - want[i]) / (64 * heldOut.length)));
      }
      return Math.sqrt(shift.reduce((sum, v) => sum + v * v, 0) / 8);
    } finally {
      session.close();
    }
  };
  const [without, withCorrection] = [await meanShift(false), await meanShift(true)];
  const outputStep = (calibrate(model, calibration, 'minmax')[model.outputs[0]] as { min: number; max: number });
  const step = (outputStep.max - outputStep.min) / 255;
  assert.ok(without > step, `without correction the channel means shift by ${without.toFixed(4)} (rms), more than one output step ${step.toFixed(4)}`);
  assert.ok(withCorrection < without / 3, `bias correction: rms channel shift ${withCorrection.toFixed(4)} vs ${without.toFixed(4)} without`);
});

test('sequential empirical bias correction removes a mean shift the analytical one cannot (clipped activations, LiteRT.js)', async (t) => {
  const random = createRandom(41).next;
  const g = new GraphBuilder();
  const x = g.input('x', [1, 16]);
  // Layer 1 passes a heavy-tailed positive input through (identity plus noise); its output range is
  // then narrowed so int8 clips the tail: a mean shift that no weight-rounding formula (Σ Δw · E[x])
  // sees, which layer 2 (positive weights) carries to the output.
  const identity = Float32Array.from({ length: 16 * 16 }, (_, k) => (Math.floor(k / 16) === k % 16 ? 1 : 0) + random() * 0.02 - 0.01);
  const hidden = g.op('FULLY_CONNECTED', [x, g.constant('w1', [16, 16], identity), g.constant('b1', [16], new Float32Array(16))]);
  g.output(g.op('FULLY_CONNECTED', [hidden, g.constant('w2', [4, 16], Float32Array.from({ length: 64 }, () => 0.05 + random() * 0.1)), g.constant('b2', [4], new Float32Array(4))], { activation: 'relu' }));
  const model = g.toModel();
  const sample = () => Float32Array.from({ length: 16 }, () => 0.2 / (0.05 + random()));
  const calibration = Array.from({ length: MIN_CALIBRATION_SAMPLES }, sample);
  const heldOut = Array.from({ length: 200 }, sample);
  const stats = await activationStatsLiteRt(model, calibration);
  const ranges = stats.ranges('minmax');
  const hiddenRange = ranges[model.operators[0].outputs[0]] as { min: number; max: number };
  ranges[model.operators[0].outputs[0]] = { ...hiddenRange, max: hiddenRange.max / 4 };
  const meanShift = async (biasShifts?: (Float64Array | undefined)[]) => {
    const session = await TfliteSession.create(serializeModel(quantizeInt8(model, { representativeData: calibration, ranges, biasShifts })));
    try {
      const shift = new Float64Array(4);
      for (const input of heldOut) {
        const [want] = evaluate(model, [input]);
        const [got] = await session.run([input]);
        got.forEach((v, i) => (shift[i] += (v - want[i]) / heldOut.length));
      }
      return Math.sqrt(shift.reduce((sum, v) => sum + v * v, 0) / 4);
    } finally {
      session.close();
    }
  };
  const shifts = await empiricalBiasShifts(model, calibration, ranges);
  assert.equal(shifts.length, model.operators.length);
  assert.deepEqual(shifts.map((s) => s?.length), [16, 4]);
  const [analytical, sequential] = [await meanShift(), await meanShift(shifts)];
  const output = ranges[model.outputs[0]] as { min: number; max: number };
  const step = (output.max - output.min) / 255;
  t.diagnostic(`rms output mean shift: analytical ${analytical.toFixed(4)}, + sequential empirical ${sequential.toFixed(4)} (output step ${step.toFixed(4)})`);
  assert.ok(analytical > 3 * step, `analytical correction alone leaves an output mean shift of ${analytical.toFixed(4)} (rms), more than 3 output steps (${step.toFixed(4)})`);
  assert.ok(sequential < analytical / 4, `sequential empirical correction: rms output mean shift ${sequential.toFixed(4)} vs ${analytical.toFixed(4)}`);
  await assert.rejects(empiricalBiasShifts(model, calibration, ranges.slice(1)), /calibrated ranges for/);
  assert.throws(() => quantizeInt8(model, { representativeData: calibration, ranges, biasShifts: [new Float64Array(3)] }), /biasShifts\[0\] has 3 values; FULLY_CONNECTED \(operator 0\) has 16 output channels/);
});

test('a dead (always zero) activation gets a usable scale: the int8 model still compiles in LiteRT.js and runs', async () => {
  const random = createRandom(21).next;
  const g = new GraphBuilder();
  const x = g.input('x', [1, 8]);
  // The bias drives every unit far below zero, so the ReLU output is 0 for every calibration sample.
  const dead = g.op('FULLY_CONNECTED', [x, g.constant('w1', [4, 8], randomValues([4, 8], random)), g.constant('b1', [4], new Float32Array(4).fill(-100))], { activation: 'relu' });
  g.output(g.op('FULLY_CONNECTED', [dead, g.constant('w2', [3, 4], randomValues([3, 4], random)), g.constant('b2', [3], randomValues([3], random))]));
  const model = g.toModel();
  const q = quantizeInt8(model, { representativeData: Array.from({ length: 100 }, () => randomValues([1, 8], random)) });
  const deadScale = q.tensors[q.operators[0].outputs[0]].quantization?.scale[0] as number;
  assert.ok(deadScale >= 1e-3 / 255, `dead activation scale ${deadScale}`);
  const session = await TfliteSession.create(serializeModel(q));
  try {
    const values = randomValues([1, 8], random);
    const [got] = await session.run([values]);
    const [want] = evaluate(model, [values]);
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 0.05 * Math.max(1, Math.abs(want[i])), `output ${i}: ${v} vs ${want[i]}`));
  } finally {
    session.close();
  }
});

test('calibrateLiteRt runs a repeated sample once and counts it as often: the ranges of distinct copies, for every method', async () => {
  const random = createRandom(5).next;
  const g = new GraphBuilder();
  const x = g.input('x', [1, 8]);
  g.output(g.op('FULLY_CONNECTED', [x, g.constant('w', [4, 8], randomValues([4, 8], random)), g.constant('b', [4], new Float32Array(4))], { activation: 'relu' }));
  const model = g.toModel();
  // 30 distinct inputs repeated to the minimum, as a small dataset's calibration is (the pipeline's transfer winner).
  const distinct = Array.from({ length: 30 }, () => randomValues([1, 8], random));
  const repeated = Array.from({ length: MIN_CALIBRATION_SAMPLES }, (_, i) => distinct[i % distinct.length]);
  const copies = repeated.map((sample) => sample.slice());
  for (const method of ['minmax', 'mse', 'percentile'] as const) {
    const [once, each] = [await calibrateLiteRt(model, repeated, method), await calibrateLiteRt(model, copies, method)];
    once.forEach((range, i) => {
      if (!range || !each[i]) return assert.equal(range, each[i]);
      assert.ok(Math.abs(range.min - each[i]!.min) <= 1e-6 && Math.abs(range.max - each[i]!.max) <= 1e-6, `${method} tensor ${i}: ${JSON.stringify(range)} vs ${JSON.stringify(each[i])}`);
      range.channelMeans?.forEach((mean, c) => assert.ok(Math.abs(mean - each[i]!.channelMeans![c]) <= 1e-5));
    });
  }
});
