import * as tf from '@tensorflow/tfjs';
import type { ClipByValueAttrs } from '@tensorflow/tfjs';
import { address, simdKernels } from './simd-kernels.ts';
import { wasmBackend } from './wasm-heap.ts';

/** A kernel of ours (tfjs has none): dx = dy where min ≤ x ≤ max, else 0. Registered for wasm only. */
export const CLIP_BY_VALUE_GRAD = 'OffgridClipByValueGrad';

/**
 * ReLU6's gradient (tf.layers.reLU({ maxValue: 6 }) is a clipByValue) is, in tfjs, five full-size
 * ops: greaterEqual, lessEqual, logicalAnd, zerosLike, where: ~12% of a MobileNet-like step on
 * wasm. This kernel is one SIMD pass (simd-kernels.c) with the same result (NaN gets no gradient).
 */
export const clipByValueGradKernelConfig: tf.KernelConfig = {
  kernelName: CLIP_BY_VALUE_GRAD,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs, backend }) => {
    const { dy, x } = inputs;
    if (!dy || !x) throw new Error(`${CLIP_BY_VALUE_GRAD} needs inputs dy and x.`);
    const { clipValueMin: min, clipValueMax: max } = attrs as unknown as ClipByValueAttrs;
    const wasm = wasmBackend(backend, CLIP_BY_VALUE_GRAD);
    const out = wasm.makeOutput(x.shape, 'float32');
    simdKernels(wasm).clip_by_value_grad(address(wasm, x, 'x'), address(wasm, dy, 'dy'), address(wasm, out, 'dx'), tf.util.sizeFromShape(x.shape), min, max);
    return out;
  },
};

/** ClipByValue's gradient: our kernel where the backend has it, tfjs' formula elsewhere (cpu). */
export const clipByValueGradConfig: tf.GradConfig = {
  kernelName: tf.ClipByValue,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const { clipValueMin, clipValueMax } = attrs as unknown as ClipByValueAttrs;
    const gradient = dy as tf.Tensor;
    return {
      x: () => tf.getKernel(CLIP_BY_VALUE_GRAD, tf.getBackend()) && x.dtype === 'float32' && gradient.dtype === 'float32'
        ? tf.engine().runKernel(CLIP_BY_VALUE_GRAD, { dy: gradient, x }, { clipValueMin, clipValueMax }) as tf.Tensor
        : tf.where(tf.logicalAnd(tf.greaterEqual(x, clipValueMin), tf.lessEqual(x, clipValueMax)), gradient, tf.zerosLike(gradient)),
    };
  },
};

/** The smallest positive float32: x ≥ it is exactly x > 0 for float32 values. */
const SMALLEST_POSITIVE_FLOAT32 = 1.401298464324817e-45;

/**
 * ReLU's gradient, which tfjs writes as three full-size ops (step, a cast, a multiply): on wasm it is our
 * clip gradient over (0, ∞), one pass; elsewhere tfjs' formula. As in TensorFlow, x = 0 and NaN get no gradient.
 */
export const reluGradConfig: tf.GradConfig = {
  kernelName: tf.Relu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    const gradient = dy as tf.Tensor;
    return {
      x: () => tf.getKernel(CLIP_BY_VALUE_GRAD, tf.getBackend()) && x.dtype === 'float32' && gradient.dtype === 'float32'
        ? tf.engine().runKernel(CLIP_BY_VALUE_GRAD, { dy: gradient, x }, { clipValueMin: SMALLEST_POSITIVE_FLOAT32, clipValueMax: Infinity }) as tf.Tensor
        : tf.mul(gradient, tf.cast(tf.step(x), 'float32')),
    };
  },
};
