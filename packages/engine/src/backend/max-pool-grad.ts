import * as tf from '@tensorflow/tfjs';
import type { MaxPoolGradAttrs } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { float32Output, float32View, wasmBackend } from './wasm-heap.ts';

/**
 * MaxPoolGrad for wasm. tfjs-backend-wasm 4.22 ships one, but it is wrong whenever a window
 * touches the padded or trailing edge (gradient is lost: measured against cpu with overlapping
 * and "same"-padded pools) and, after a ReLU, routes an all-zero window's gradient to another
 * element than cpu/TensorFlow. This one matches cpu exactly: each window's dy goes to its first
 * maximum in row-major window order (padding never wins).
 *
 * A direct loop over the wasm heap (wasm-heap.ts): one pass over the input, no intermediate
 * tensors, instead of an op composition (reshape windows → argMax → oneHot · dy).
 */
export function maxPoolGrad(backend: BackendWasm, dy: tf.TensorInfo, input: tf.TensorInfo, attrs: MaxPoolGradAttrs): tf.TensorInfo {
  if (input.shape.length !== 4) throw new Error(`MaxPoolGrad expects a rank-4 NHWC input, got shape [${input.shape.join(', ')}].`);
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  const out = float32Output(backend, input.shape);
  const x = float32View(backend, input, 'input');
  const gradient = float32View(backend, dy, 'dy');
  const dx = float32View(backend, out, 'dx');
  for (let n = 0; n < batchSize; n++) {
    const inBase = n * inHeight * inWidth * channels;
    for (let oh = 0; oh < outHeight; oh++) {
      const rowStart = oh * strideHeight - top;
      const rowFrom = Math.max(0, rowStart);
      const rowTo = Math.min(inHeight, rowStart + filterHeight);
      for (let ow = 0; ow < outWidth; ow++) {
        const colStart = ow * strideWidth - left;
        const colFrom = Math.max(0, colStart);
        const colTo = Math.min(inWidth, colStart + filterWidth);
        const first = inBase + (rowFrom * inWidth + colFrom) * channels;
        const dyAt = ((n * outHeight + oh) * outWidth + ow) * channels;
        for (let c = 0; c < channels; c++) {
          // The window's first pixel seeds the maximum (a window always holds one real pixel);
          // strict '>' then keeps the first maximum in row-major window order, as cpu does.
          let best = x[first + c];
          let bestAt = first + c;
          for (let h = rowFrom; h < rowTo; h++) {
            for (let w = colFrom, at = inBase + (h * inWidth + w) * channels + c; w < colTo; w++, at += channels) {
              if (x[at] > best) {
                best = x[at];
                bestAt = at;
              }
            }
          }
          dx[bestAt] += gradient[dyAt + c];
        }
      }
    }
  }
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
