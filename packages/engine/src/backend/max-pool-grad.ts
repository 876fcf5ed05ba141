import * as tf from '@tensorflow/tfjs';
import type { MaxPoolGradAttrs } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { address, simdKernels } from './simd-kernels.ts';
import { float32Output, wasmBackend } from './wasm-heap.ts';

/**
 * MaxPoolGrad for wasm. tfjs-backend-wasm 4.22 ships one, but it is wrong whenever a window
 * touches the padded or trailing edge (gradient is lost: measured against cpu with overlapping
 * and "same"-padded pools) and, after a ReLU, routes an all-zero window's gradient to another
 * element than cpu/TensorFlow. Ours (simd-kernels.c `max_pool_grad`) matches cpu exactly: each
 * window's dy goes to its first maximum in row-major window order (padding never wins).
 */
export function maxPoolGrad(backend: BackendWasm, dy: tf.TensorInfo, input: tf.TensorInfo, attrs: MaxPoolGradAttrs): tf.TensorInfo {
  if (input.shape.length !== 4) throw new Error(`MaxPoolGrad expects a rank-4 NHWC input, got shape [${input.shape.join(', ')}].`);
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const out = float32Output(backend, input.shape); // zeroed: overlapping windows add into it
  simdKernels(backend).max_pool_grad(
    address(backend, input, 'input'), address(backend, dy, 'dy'), address(backend, out, 'dx'),
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left,
  );
  return out;
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs, backend }) => {
    if (!inputs.dy || !inputs.input) throw new Error('MaxPoolGrad needs inputs dy and input.');
    return maxPoolGrad(wasmBackend(backend, 'MaxPoolGrad'), inputs.dy, inputs.input, attrs as unknown as MaxPoolGradAttrs);
  },
};
