// Parity of the wasm gradient kernels against tfjs' reference `cpu` backend, one line per case.
// Error measure: max |wasm − cpu| / max |cpu| over the output (per-element ratios explode near 0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { initWasmBackend } from './init-wasm.ts';
import { CLIP_BY_VALUE_GRAD } from './clip-by-value-grad.ts';
import { asBlockTransposes } from './transpose.ts';
import { createRandom } from '../util/random.ts';

// Every assert.ok below carries a message: without one, node's assert re-reads and parses this file to
// describe a failure, which under tsx ran for over 9 minutes here: a failing case looked like a hang.
const TOLERANCE = 1e-4;
type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid';

interface KernelCase {
  kernel: string;
  inputs: Record<string, Shape4>;
  attrs: Record<string, unknown>;
  label: string;
}

/** Uniform in [-1, 1); `tied` clamps most values to 0, as after a ReLU, so pooling windows tie. */
function randomValues(shape: number[], seed: number, tied = false): Float32Array {
  const random = createRandom(seed);
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = tied ? Math.max(0, random.next() - 0.7) : random.next() * 2 - 1;
  return values;
}

function outputSize(size: number, k: number, s: number, pad: Pad): number {
  return pad === 'same' ? Math.ceil(size / s) : Math.ceil((size - k + 1) / s);
}

async function runOn(backend: string, c: KernelCase, tied = false): Promise<{ values: Float32Array; shape: number[] }> {
  assert.ok(await tf.setBackend(backend), `backend ${backend} unavailable`);
  assert.equal(tf.getBackend(), backend);
  const inputs: Record<string, tf.Tensor> = {};
  let seed = 1;
  for (const [name, shape] of Object.entries(c.inputs)) inputs[name] = tf.tensor(randomValues(shape, seed++, tied && name === 'input'), shape);
  const before = tf.memory().numTensors;
  const out = tf.engine().runKernel(c.kernel, inputs, c.attrs as tf.NamedAttrMap) as tf.Tensor;
  // Only the output may survive: a kernel built from ops must not leak its intermediates.
  assert.equal(tf.memory().numTensors, before + 1, `${backend} ${c.kernel} leaked tensors`);
  const values = (await out.data()) as Float32Array;
  const shape = out.shape;
  tf.dispose([out, ...Object.values(inputs)]);
  return { values, shape };
}

function relativeError(actual: Float32Array, expected: Float32Array): number {
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
  }
  return maxDiff / Math.max(maxRef, 1e-12);
}

/** Builds the same computation (inputs included) on cpu and on wasm; wasm's result must match cpu's in shape and values. */
async function assertWasmMatchesCpu(compute: () => tf.Tensor): Promise<void> {
  const run = async (backend: string): Promise<{ values: Float32Array; shape: number[] }> => {
    assert.ok(await tf.setBackend(backend), `backend ${backend} unavailable`);
    const out = tf.tidy(compute);
    const result = { values: (await out.data()) as Float32Array, shape: out.shape };
    out.dispose();
    return result;
  };
  const expected = await run('cpu');
  const actual = await run('wasm');
  assert.deepEqual(actual.shape, expected.shape);
  const error = relativeError(actual.values, expected.values);
  assert.ok(error <= TOLERANCE, `relative error ${error.toExponential(2)} > ${TOLERANCE}`);
}

function buildCases(): KernelCase[] {
  const cases: KernelCase[] = [];
  const sizes: [number, number][] = [[7, 9], [11, 11]];
  for (const k of [1, 3, 5]) for (const s of [1, 2]) for (const pad of ['same', 'valid'] as Pad[]) {
    for (const [h, w] of sizes) {
      const [n, ci, co, m] = [3, 4, 5, 2];
      const oh = outputSize(h, k, s, pad);
      const ow = outputSize(w, k, s, pad);
      const geometry = `k=${k} s=${s} ${pad} in=${h}x${w}`;
      const base = { strides: [s, s], pad, dimRoundingMode: undefined };
      cases.push(
        { kernel: 'Conv2DBackpropFilter', label: geometry, inputs: { x: [n, h, w, ci], dy: [n, oh, ow, co] }, attrs: { ...base, dataFormat: 'NHWC', filterShape: [k, k, ci, co] } },
        // 9 input channels takes the dilated-conv path, 4 the im2col path (conv2d-backprop-filter.ts).
        { kernel: 'Conv2DBackpropFilter', label: `${geometry} ci=9`, inputs: { x: [n, h, w, 9], dy: [n, oh, ow, co] }, attrs: { ...base, dataFormat: 'NHWC', filterShape: [k, k, 9, co] } },
        { kernel: 'Conv2DBackpropInput', label: geometry, inputs: { dy: [n, oh, ow, co], filter: [k, k, ci, co] }, attrs: { ...base, dataFormat: 'NHWC', inputShape: [n, h, w, ci] } },
        // 9 input channels (or stride 1) takes the conv2d path, 4 at stride 2 the col2im path (conv2d-backprop-input.ts).
        { kernel: 'Conv2DBackpropInput', label: `${geometry} ci=9`, inputs: { dy: [n, oh, ow, co], filter: [k, k, 9, co] }, attrs: { ...base, dataFormat: 'NHWC', inputShape: [n, h, w, 9] } },
        // m=1 takes the SIMD kernel (6 channels: one 4-lane vector and a scalar tail), m=2 the op composition.
        { kernel: 'DepthwiseConv2dNativeBackpropFilter', label: `${geometry} m=1 ci=6`, inputs: { x: [n, h, w, 6], dy: [n, oh, ow, 6] }, attrs: { ...base, dilations: [1, 1], filterShape: [k, k, 6, 1] } },
        { kernel: 'DepthwiseConv2dNativeBackpropFilter', label: `${geometry} m=${m}`, inputs: { x: [n, h, w, ci], dy: [n, oh, ow, ci * m] }, attrs: { ...base, dilations: [1, 1], filterShape: [k, k, ci, m] } },
        { kernel: 'DepthwiseConv2dNativeBackpropInput', label: `${geometry} m=${m}`, inputs: { dy: [n, oh, ow, ci * m], filter: [k, k, ci, m] }, attrs: { ...base, dilations: [1, 1], inputShape: [n, h, w, ci] } },
        { kernel: 'DepthwiseConv2dNativeBackpropInput', label: `${geometry} m=1`, inputs: { dy: [n, oh, ow, ci], filter: [k, k, ci, 1] }, attrs: { ...base, dilations: [1, 1], inputShape: [n, h, w, ci] } },
        { kernel: 'DepthwiseConv2dNativeBackpropInput', label: `${geometry} m=1 ci=6`, inputs: { dy: [n, oh, ow, 6], filter: [k, k, 6, 1] }, attrs: { ...base, dilations: [1, 1], inputShape: [n, h, w, 6] } },
      );
    }
  }
  for (const k of [2, 3]) for (const s of [k, 1]) for (const pad of ['same', 'valid'] as Pad[]) {
    for (const [h, w] of sizes) {
      const [n, c] = [3, 6]; // one 4-lane vector and a scalar tail (simd-kernels.c)
      const out: Shape4 = [n, outputSize(h, k, s, pad), outputSize(w, k, s, pad), c];
      const path = s === k ? 'stride = window' : 'overlapping';
      cases.push({
        kernel: 'MaxPoolGrad', label: `pool=${k} s=${s} ${pad} in=${h}x${w} (${path})`,
        inputs: { dy: out, input: [n, h, w, c], output: out }, attrs: { filterSize: [k, k], strides: [s, s], pad },
      });
    }
  }
  return cases;
}

await initWasmBackend();

for (const c of buildCases()) {
  test(`${c.kernel} ${c.label}`, async () => {
    const expected = await runOn('cpu', c);
    const actual = await runOn('wasm', c);
    assert.deepEqual(actual.shape, expected.shape);
    const error = relativeError(actual.values, expected.values);
    if (process.env.PRINT_ERRORS) console.log(`${c.kernel} ${c.label}: ${error.toExponential(2)}`);
    assert.ok(error <= TOLERANCE, `relative error ${error.toExponential(2)} > ${TOLERANCE}`);
  });
}

test('MaxPoolGrad sends a tied window\'s gradient to its first maximum, as cpu does', async () => {
  const c: KernelCase = {
    kernel: 'MaxPoolGrad', label: 'ties', inputs: { dy: [4, 8, 8, 6], input: [4, 16, 16, 6], output: [4, 8, 8, 6] },
    attrs: { filterSize: [2, 2], strides: [2, 2], pad: 'valid' },
  };
  const expected = await runOn('cpu', c, true);
  const actual = await runOn('wasm', c, true);
  assert.equal(relativeError(actual.values, expected.values), 0); // exact, up to the sign of zero
});

// matMul with transposed operands is rerouted to XNNPACK (xnnpack-matmul.ts): every flag combination,
// rank 2 and rank 3 (batch 1 rerouted, batch 2 left to wasm), plain and fused with bias + relu.
for (const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]]) {
  for (const batch of [0, 1, 2]) {
    for (const fused of [false, true]) {
      // wasm 4.22's own fused matMul is wrong for batch > 1 with a bias (its C++ fallback loop indexes
      // the bias by output element); layers never call it so (Dense flattens to rank 2), we leave it.
      if (fused && batch > 1) continue;
      const [m, k, n] = [7, 13, 5];
      const outer = batch === 0 ? [] : [batch];
      const a = [...outer, ...(transposeA ? [k, m] : [m, k])];
      const b = [...outer, ...(transposeB ? [n, k] : [k, n])];
      test(`${fused ? '_FusedMatMul' : 'BatchMatMul'} a=[${a}] b=[${b}] transposeA=${transposeA} transposeB=${transposeB}`, async () => {
        const run = async (backend: string): Promise<Float32Array> => {
          assert.ok(await tf.setBackend(backend), `backend ${backend} unavailable`);
          const [ta, tb, bias] = [tf.tensor(randomValues(a, 1), a), tf.tensor(randomValues(b, 2), b), tf.tensor1d(randomValues([n], 3))];
          const before = tf.memory().numTensors;
          const out = fused
            ? tf.fused.matMul({ a: ta, b: tb, transposeA, transposeB, bias, activation: 'relu' })
            : tf.matMul(ta, tb, transposeA, transposeB);
          assert.equal(tf.memory().numTensors, before + 1, `${backend} matMul leaked tensors`);
          const values = (await out.data()) as Float32Array;
          tf.dispose([out, ta, tb, bias]);
          return values;
        };
        const expected = await run('cpu');
        const error = relativeError(await run('wasm'), expected);
        assert.ok(error <= TOLERANCE, `relative error ${error.toExponential(2)} > ${TOLERANCE}`);
      });
    }
  }
}

// FusedBatchNorm forward (batch-norm.ts): per-channel statistics take the SIMD kernel (6 channels: a vector and a
// tail), with or without offset and scale; statistics of another shape go to wasm's own kernel.
for (const [shape, statsShape, withOffset, withScale] of [
  [[4, 5, 6], [6], true, true], [[3, 7, 6], [6], false, true], [[9, 6], [6], true, false], [[2, 3, 3, 5], [5], false, false],
  [[4, 6], [4, 6], true, true], // not per channel: wasm's kernel
] as [number[], number[], boolean, boolean][]) {
  test(`FusedBatchNorm x=[${shape}] statistics=[${statsShape}] offset=${withOffset} scale=${withScale}`, () => assertWasmMatchesCpu(() => {
    const stats = (seed: number) => tf.tensor(randomValues(statsShape, seed), statsShape);
    return tf.batchNorm(tf.tensor(randomValues(shape, 21), shape), stats(22), tf.abs(stats(23)), withOffset ? stats(24) : undefined, withScale ? stats(25) : undefined, 1e-3);
  }));
}

// The BatchNorm gradient without tf.tile (batch-norm-grad.ts), through tf.batchNorm on wasm,
// against cpu autodiff of the formula written out in elementary ops (no FusedBatchNorm involved).
for (const shape of [[4, 5, 6, 3], [6, 7]]) {
  test(`FusedBatchNorm gradient, x=[${shape}], mean/variance from moments as in a training layer`, async () => {
    const channels = shape[shape.length - 1];
    const axes = shape.map((_, i) => i).slice(0, -1);
    const grads = async (backend: string, fused: boolean): Promise<Float32Array[]> => {
      assert.ok(await tf.setBackend(backend), `backend ${backend} unavailable`);
      const x = tf.tensor(randomValues(shape, 1), shape);
      const scale = tf.tensor1d(randomValues([channels], 2));
      const offset = tf.tensor1d(randomValues([channels], 3));
      const upstream = tf.tensor(randomValues(shape, 4), shape);
      const loss = (xs: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Scalar => {
        const { mean, variance } = tf.moments(xs, axes);
        const y = fused
          ? tf.batchNorm(xs, mean, variance, beta, gamma, 1e-3)
          : tf.add(tf.mul(tf.mul(tf.sub(xs, mean), tf.rsqrt(tf.add(variance, 1e-3))), gamma), beta);
        return tf.sum(tf.mul(y, upstream));
      };
      const result = tf.grads(loss)([x, scale, offset]);
      const values = await Promise.all(result.map(async (t) => (await t.data()) as Float32Array));
      tf.dispose([...result, x, scale, offset, upstream]);
      return values;
    };
    const expected = await grads('cpu', false);
    const actual = await grads('wasm', true);
    for (const [i, name] of ['x', 'scale', 'offset'].entries()) {
      const error = relativeError(actual[i], expected[i]);
      assert.ok(error <= TOLERANCE, `d${name}: relative error ${error.toExponential(2)}`);
    }
  });
}

// Per-channel Sum/Mean run in one SIMD pass (channel-reduce.ts); other reductions stay wasm's.
for (const [shape, axis, keepDims] of [
  [[5, 6, 7, 3], [0, 1, 2], false], [[9, 13, 6], [0, 1], false], [[70, 1], 0, true], [[3, 2, 17], [0, 1], true], [[5, 6, 7, 3], [2, 0, -3], true], [[9, 4], 0, false], [[9, 4], [-2], true],
  [[5, 6, 7, 3], [1, 2], false], [[5, 6, 7, 3], 3, true], // not channel reductions: wasm's kernels
] as [number[], number | number[], boolean][]) {
  for (const kernel of ['Sum', 'Mean']) {
    test(`${kernel} x=[${shape}] axis=${JSON.stringify(axis)} keepDims=${keepDims}`, () => assertWasmMatchesCpu(() =>
      tf.engine().runKernel(kernel, { x: tf.tensor(randomValues(shape, 7), shape) }, { axis, keepDims }) as tf.Tensor));
  }
}

// UnsortedSegmentSum (unsorted-segment-sum.ts) is GATHER's gradient, so the Embedding layer's: repeated ids
// add up, segments no id names stay 0, ids outside [0, numSegments) are dropped (TF semantics, as on cpu).
for (const [xShape, ids, numSegments] of [
  [[12, 8], [3, 0, 3, 4, 1, 3, 0, 0, 4, 2, 3, 1], 5],
  [[10, 3, 4], [6, 6, 0, 2, 6, 2, 0, 6, 2, 0], 7],
  [[6, 5], [-1, 2, 9, 2, 0, 5], 5],
] as [number[], number[], number][]) {
  test(`UnsortedSegmentSum x=[${xShape}] ids=[${ids}] numSegments=${numSegments}`, async () => {
    const run = async (backend: string): Promise<{ values: Float32Array; shape: number[] }> => {
      assert.ok(await tf.setBackend(backend), `backend ${backend} unavailable`);
      const [x, segmentIds] = [tf.tensor(randomValues(xShape, 11), xShape), tf.tensor1d(ids, 'int32')];
      const before = tf.memory().numTensors;
      const out = tf.engine().runKernel('UnsortedSegmentSum', { x, segmentIds }, { numSegments }) as tf.Tensor;
      assert.equal(tf.memory().numTensors, before + 1, `${backend} UnsortedSegmentSum leaked tensors`);
      const result = { values: (await out.data()) as Float32Array, shape: out.shape };
      tf.dispose([x, segmentIds, out]);
      return result;
    };
    assert.ok(tf.getKernel('UnsortedSegmentSum', 'wasm'), 'the wasm kernel is registered, so the wasm run uses it');
    const expected = await run('cpu');
    const actual = await run('wasm');
    assert.deepEqual(actual.shape, expected.shape);
    const error = relativeError(actual.values, expected.values);
    assert.ok(error <= TOLERANCE, `relative error ${error.toExponential(2)} > ${TOLERANCE}`);
  });
}

test('Embedding gradient (tf.gather\'s, through UnsortedSegmentSum) on wasm matches cpu', async () => {
  const [vocabulary, dim, ids] = [9, 4, [[1, 4, 4, 0, 8], [4, 2, 1, 1, 7]]];
  const run = async (backend: string): Promise<Float32Array> => {
    assert.ok(await tf.setBackend(backend), `backend ${backend} unavailable`);
    const [table, indices, upstream] = [tf.tensor2d(randomValues([vocabulary, dim], 12), [vocabulary, dim]), tf.tensor2d(ids, [2, 5], 'int32'), tf.tensor(randomValues([2, 5, dim], 13), [2, 5, dim])];
    const dTable = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, indices), upstream)))(table);
    const values = (await dTable.data()) as Float32Array;
    tf.dispose([table, indices, upstream, dTable]);
    return values;
  };
  const expected = await run('cpu');
  const error = relativeError(await run('wasm'), expected);
  assert.ok(error <= TOLERANCE, `relative error ${error.toExponential(2)} > ${TOLERANCE}`);
  assert.deepEqual([...expected.slice(3 * dim, 4 * dim)], [0, 0, 0, 0], 'id 3 never occurs: its row gets no gradient');
});

test('ClipByValue (ReLU6) gradient on wasm matches cpu, bounds and NaN included', async () => {
  const xs = [-1, 0, 0, 3, 6, 6.5, Number.NaN, 5.99, -0, 7];
  const run = async (backend: string): Promise<Float32Array> => {
    assert.ok(await tf.setBackend(backend), `backend ${backend} unavailable`);
    const x = tf.tensor2d(xs, [2, 5]);
    const dy = tf.tensor2d(xs.map((_, i) => i + 1), [2, 5]);
    const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.clipByValue(t, 0, 6), dy)))(x);
    const values = (await dx.data()) as Float32Array;
    tf.dispose([x, dy, dx]);
    return values;
  };
  assert.ok(tf.getKernel(CLIP_BY_VALUE_GRAD, 'wasm'), 'the wasm kernel is registered, so the wasm run uses it');
  const expected = await run('cpu');
  assert.deepEqual([...expected], [0, 2, 3, 4, 5, 0, 0, 8, 9, 0]); // the reference itself: bounds pass, NaN does not
  assert.deepEqual([...(await run('wasm'))], [...expected]);
});

test('Identity (tf.clone) on wasm shares data safely: the clone outlives its source, nothing leaks', async () => {
  assert.ok(await tf.setBackend('wasm'), 'backend wasm unavailable');
  const before = tf.memory().numTensors;
  const source = tf.tensor(randomValues([3, 4, 5], 9), [3, 4, 5]);
  const expected = [...((await source.data()) as Float32Array)];
  const clone = tf.clone(source);
  source.dispose();
  assert.deepEqual([...((await clone.data()) as Float32Array)], expected);
  clone.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('Cast to the same dtype on wasm shares data safely; a real cast still converts', async () => {
  assert.ok(await tf.setBackend('wasm'), 'backend wasm unavailable');
  const before = tf.memory().numTensors;
  const source = tf.tensor([1.5, -2, 0, 7.25], [2, 2]);
  const same = tf.cast(source, 'float32');
  const counts = tf.tensor([3, -1, 0, 9], [4], 'int32');
  const converted = tf.cast(counts, 'float32');
  source.dispose();
  counts.dispose();
  assert.deepEqual([...((await same.data()) as Float32Array)], [1.5, -2, 0, 7.25]);
  assert.equal(converted.dtype, 'float32');
  assert.deepEqual([...((await converted.data()) as Float32Array)], [3, -1, 0, 9]);
  tf.dispose([same, converted]);
  assert.equal(tf.memory().numTensors, before, 'nothing leaks');
});

test('ReLU gradient on wasm (our clip kernel over (0, ∞)) matches cpu; x = 0 gets none', async () => {
  const xs = [-1, 0, 1e-30, 3, -0, 1e-45, 2.5, -7, 0.5, 9];
  const run = async (backend: string): Promise<Float32Array> => {
    assert.ok(await tf.setBackend(backend), `backend ${backend} unavailable`);
    const x = tf.tensor2d(xs, [2, 5]);
    const dy = tf.tensor2d(xs.map((_, i) => i + 1), [2, 5]);
    const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), dy)))(x);
    const values = (await dx.data()) as Float32Array;
    tf.dispose([x, dy, dx]);
    return values;
  };
  const expected = await run('cpu');
  assert.deepEqual([...expected], [0, 0, 3, 4, 0, 6, 7, 0, 9, 10]); // the reference: the smallest float32 above 0 (1e-45) still passes
  assert.deepEqual([...(await run('wasm'))], [...expected]);
});

// Block-swap Transposes run in SIMD (transpose.ts); other permutations stay wasm's. Sizes off multiples of 4
// and past one 64×64 tile.
for (const [shape, perm] of [
  [[5, 7], [1, 0]], [[67, 130], [1, 0]], [[3, 5, 9], [0, 2, 1]], [[2, 3, 4, 5], [2, 3, 0, 1]], [[2, 5, 6, 7], [0, 3, 1, 2]],
  [[4, 6, 5, 3], [0, 2, 3, 1]], [[2, 5, 6, 7], [3, 1, 2, 0]], [[1, 9], [1, 0]],
  [[3, 4, 5, 6], [1, 2, 0, 3]], [[70, 3, 5], [1, 0, 2]], [[2, 3, 4, 5, 3], [0, 2, 1, 3, 4]],
] as [number[], number[]][]) {
  test(`Transpose x=[${shape}] perm=[${perm}]`, () => assertWasmMatchesCpu(() => tf.transpose(tf.tensor(randomValues(shape, 8), shape), perm)));
}

test('which permutations are batches of block transposes', () => {
  assert.deepEqual(asBlockTransposes([4, 5], [1, 0]), { batch: 1, rows: 4, cols: 5, inner: 1 });
  assert.deepEqual(asBlockTransposes([2, 3, 4, 5], [2, 3, 0, 1]), { batch: 1, rows: 6, cols: 20, inner: 1 });
  assert.deepEqual(asBlockTransposes([2, 3, 4, 5], [0, 3, 1, 2]), { batch: 2, rows: 12, cols: 5, inner: 1 });
  assert.deepEqual(asBlockTransposes([2, 3, 4, 5], [0, 2, 3, 1]), { batch: 2, rows: 3, cols: 20, inner: 1 });
  assert.deepEqual(asBlockTransposes([2, 3, 4, 5], [1, 2, 0, 3]), { batch: 1, rows: 2, cols: 12, inner: 5 });
  assert.deepEqual(asBlockTransposes([2, 3, 4, 5], [0, 2, 1, 3]), { batch: 2, rows: 3, cols: 4, inner: 5 });
  assert.equal(asBlockTransposes([2, 3, 4, 5], [3, 1, 2, 0]), undefined);
  assert.equal(asBlockTransposes([2, 3, 4, 5], [1, 0, 3, 2]), undefined);
  assert.equal(asBlockTransposes([2, 3, 4], [0, 1, 2]), undefined);
});
