import * as tf from '@tensorflow/tfjs';
import { address, simdKernels } from './simd-kernels.ts';
import { wasmBackend } from './wasm-heap.ts';
import { wrapWasmKernel } from './wrap-wasm-kernel.ts';

/**
 * Sum and Mean over every axis but the last (per-channel statistics of an NHWC tensor: BatchNorm's
 * moments and gradients, conv bias gradients) in one pass (simd-kernels.c `channel_sum`). wasm's own kernels
 * first transpose the reduced axes innermost, a full copy that made these reductions ~20% of a
 * MobileNet-like step. Any other reduction goes to wasm's kernel.
 */
function isChannelReduction(shape: readonly number[], axis: number | number[]): boolean {
  const rank = shape.length;
  if (rank < 2) return false;
  const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
  return axes.length === rank - 1 && axes.every((a, i) => a === i);
}

function channelReduction(kernelName: string, mean: boolean, original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs;
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    if (!x || x.dtype !== 'float32' || !isChannelReduction(x.shape, axis)) return original(args);
    const backend = wasmBackend(args.backend, kernelName);
    const channels = x.shape[x.shape.length - 1];
    const rows = x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const out = backend.makeOutput(keepDims ? [...x.shape.slice(0, -1).map(() => 1), channels] : [channels], 'float32');
    const totals = backend.makeOutput([2 * channels], 'float32'); // scratch: one float64 total per channel
    try {
      simdKernels(backend).channel_sum(address(backend, x, 'x'), rows, channels, address(backend, totals, 'totals'), address(backend, out, 'out'), mean ? 1 : 0);
    } finally {
      backend.disposeData(totals.dataId);
    }
    return out;
  };
}

/** Wraps wasm's Sum and Mean as above. Idempotent. */
export function reduceChannelsInOnePass(): void {
  wrapWasmKernel(tf.Sum, (original) => channelReduction(tf.Sum, false, original));
  wrapWasmKernel(tf.Mean, (original) => channelReduction(tf.Mean, true, original));
}
