import * as tf from '@tensorflow/tfjs';
import { address, simdKernels } from './simd-kernels.ts';
import { wasmBackend } from './wasm-heap.ts';
import { wrapWasmKernel } from './wrap-wasm-kernel.ts';

/**
 * wasm's FusedBatchNorm divides and takes a square root for every element; with per-channel statistics (what
 * every BatchNormalization layer passes) ours computes the factor once per channel and runs one SIMD pass
 * (simd-kernels.c `batch_norm`). Other shapes go to wasm's kernel.
 */
function batchNorm(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x, mean, variance, offset, scale } = args.inputs;
    const channels = x?.shape[x.shape.length - 1] ?? 0;
    const perChannel = (info: tf.TensorInfo | undefined): boolean => info === undefined || (info.dtype === 'float32' && tf.util.sizeFromShape(info.shape) === channels);
    if (!x || !mean || !variance || x.dtype !== 'float32' || channels === 0 || ![mean, variance, offset, scale].every(perChannel)) return original(args);
    const backend = wasmBackend(args.backend, tf.FusedBatchNorm);
    const out = backend.makeOutput(x.shape, 'float32');
    const factors = backend.makeOutput([channels], 'float32'); // scratch
    try {
      simdKernels(backend).batch_norm(
        address(backend, x, 'x'), address(backend, mean, 'mean'), address(backend, variance, 'variance'),
        offset ? address(backend, offset, 'offset') : 0, scale ? address(backend, scale, 'scale') : 0, address(backend, out, 'out'),
        tf.util.sizeFromShape(x.shape) / channels, channels, (args.attrs as unknown as tf.FusedBatchNormAttrs).varianceEpsilon,
        address(backend, factors, 'factors'), offset ? 1 : 0, scale ? 1 : 0,
      );
    } finally {
      backend.disposeData(factors.dataId);
    }
    return out;
  };
}

/** Wraps wasm's FusedBatchNorm as above. Idempotent. */
export function batchNormPerChannel(): void {
  wrapWasmKernel(tf.FusedBatchNorm, batchNorm);
}
