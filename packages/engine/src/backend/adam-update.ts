import type * as tf from '@tensorflow/tfjs';
import { address, simdKernels } from './simd-kernels.ts';
import { wasmBackend } from './wasm-heap.ts';

/** A kernel of ours: one Adam step for one variable (train/adam.ts). Registered for wasm only. */
export const ADAM_UPDATE = 'OffgridAdamUpdate';

/** Scalars of one step, as tfjs' AdamOptimizer derives them (float32 values). */
export interface AdamUpdateAttrs {
  beta1: number;
  beta2: number;
  /** 1 − β1ᵗ and 1 − β2ᵗ, read from the optimizer's accumulated powers. */
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
  epsilon: number;
  learningRate: number;
}

/** Inputs value, m, v, gradient → [new value, new m, new v], in one SIMD pass (simd-kernels.c `adam_update`). */
export const adamUpdateKernelConfig: tf.KernelConfig = {
  kernelName: ADAM_UPDATE,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs, backend }) => {
    const { value, m, v, gradient } = inputs;
    if (!value || !m || !v || !gradient) throw new Error(`${ADAM_UPDATE} needs inputs value, m, v and gradient.`);
    const a = attrs as unknown as AdamUpdateAttrs;
    const wasm = wasmBackend(backend, ADAM_UPDATE);
    const outputs = [value, m, v].map((input) => wasm.makeOutput(input.shape, 'float32'));
    const [valueOut, mOut, vOut] = outputs.map((output, i) => address(wasm, output, ['value', 'm', 'v'][i]));
    simdKernels(wasm).adam_update(
      address(wasm, value, 'value'), address(wasm, m, 'm'), address(wasm, v, 'v'), address(wasm, gradient, 'gradient'),
      valueOut, mOut, vOut, value.shape.reduce((size, d) => size * d, 1),
      a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.oneMinusAccBeta1, a.oneMinusAccBeta2, a.epsilon, -a.learningRate,
    );
    return outputs;
  },
};
