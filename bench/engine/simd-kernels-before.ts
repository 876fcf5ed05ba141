/**
 * The JavaScript loops over the wasm heap that simd-kernels.wasm replaced (engine commit 468bd96), kept here only so
 * bench/engine/simd-kernels.ts can time the old and new code side by side in one run.
 */
import * as tf from '@tensorflow/tfjs';
import type { ClipByValueAttrs, MaxPoolGradAttrs } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

function view(backend: BackendWasm, info: tf.TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

function zeroed(backend: BackendWasm, shape: number[]): tf.TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  view(backend, out).fill(0);
  return out;
}

function isChannelReduction(shape: readonly number[], axis: number | number[]): boolean {
  const rank = shape.length;
  if (rank < 2) return false;
  const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
  return axes.length === rank - 1 && axes.every((a, i) => a === i);
}

function channelReduction(backend: BackendWasm, x: tf.TensorInfo, mean: boolean, keepDims: boolean): tf.TensorInfo {
  const channels = x.shape[x.shape.length - 1];
  const rows = x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const out = zeroed(backend, keepDims ? [...x.shape.slice(0, -1).map(() => 1), channels] : [channels]);
  const values = view(backend, x);
  const totals = new Float64Array(channels);
  for (let row = 0, at = 0; row < rows; row++) {
    for (let c = 0; c < channels; c++, at++) totals[c] += values[at];
  }
  const result = view(backend, out);
  for (let c = 0; c < channels; c++) result[c] = mean ? totals[c] / rows : totals[c];
  return out;
}

function clipByValueGrad(backend: BackendWasm, dy: tf.TensorInfo, x: tf.TensorInfo, attrs: ClipByValueAttrs): tf.TensorInfo {
  const { clipValueMin: min, clipValueMax: max } = attrs;
  const out = zeroed(backend, x.shape);
  const values = view(backend, x);
  const gradient = view(backend, dy);
  const dx = view(backend, out);
  for (let i = 0; i < values.length; i++) if (values[i] >= min && values[i] <= max) dx[i] = gradient[i];
  return out;
}

function maxPoolGrad(backend: BackendWasm, dy: tf.TensorInfo, input: tf.TensorInfo, attrs: MaxPoolGradAttrs): tf.TensorInfo {
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  const out = zeroed(backend, input.shape);
  const x = view(backend, input);
  const gradient = view(backend, dy);
  const dx = view(backend, out);
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

export const BEFORE = { isChannelReduction, channelReduction, clipByValueGrad, maxPoolGrad };
