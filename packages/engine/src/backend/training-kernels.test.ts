// Parity of the wasm gradient kernels against tfjs' reference `cpu` backend, one line per case.
// Error measure: max |wasm − cpu| / max |cpu| over the output (per-element ratios explode near 0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { initWasmBackend } from './init-wasm.ts';
import { createRandom } from '../util/random.ts';

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
        { kernel: 'Conv2DBackpropInput', label: geometry, inputs: { dy: [n, oh, ow, co], filter: [k, k, ci, co] }, attrs: { ...base, dataFormat: 'NHWC', inputShape: [n, h, w, ci] } },
        { kernel: 'DepthwiseConv2dNativeBackpropFilter', label: `${geometry} m=${m}`, inputs: { x: [n, h, w, ci], dy: [n, oh, ow, ci * m] }, attrs: { ...base, dilations: [1, 1], filterShape: [k, k, ci, m] } },
        { kernel: 'DepthwiseConv2dNativeBackpropInput', label: `${geometry} m=${m}`, inputs: { dy: [n, oh, ow, ci * m], filter: [k, k, ci, m] }, attrs: { ...base, dilations: [1, 1], inputShape: [n, h, w, ci] } },
        { kernel: 'DepthwiseConv2dNativeBackpropInput', label: `${geometry} m=1`, inputs: { dy: [n, oh, ow, ci], filter: [k, k, ci, 1] }, attrs: { ...base, dilations: [1, 1], inputShape: [n, h, w, ci] } },
      );
    }
  }
  for (const k of [2, 3]) for (const s of [k, 1]) for (const pad of ['same', 'valid'] as Pad[]) {
    for (const [h, w] of sizes) {
      const [n, c] = [3, 4];
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
