import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm'; // registers wasm's kernels, which the wrappers below wrap
import { adamUpdateKernelConfig } from './adam-update.ts';
import { batchNormPerChannel } from './batch-norm.ts';
import { batchNormTrainingConfigs } from './batch-norm-training.ts';
import { fusedBatchNormGradConfig } from './batch-norm-grad.ts';
import { clipByValueGradConfig, clipByValueGradKernelConfig, reluGradConfig } from './clip-by-value-grad.ts';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.ts';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.ts';
import { depthwiseBackpropFilterConfig, depthwiseBackpropInputConfig } from './depthwise-backprop.ts';
import { maxPoolGradConfig } from './max-pool-grad.ts';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum.ts';
import { routeTransposedMatMulsToXnnpack } from './xnnpack-matmul.ts';
import { reduceChannelsInOnePass } from './channel-reduce.ts';
import { shareDataInIdentity } from './shared-identity.ts';
import { transposeBlocksWithSimd } from './transpose.ts';

/**
 * Gradient kernels tfjs-backend-wasm 4.22 lacks (the first three, and UnsortedSegmentSum: the
 * Embedding gradient), runs slowly (Conv2DBackpropInput) or wrongly (MaxPoolGrad), plus our
 * ReLU6-gradient, Adam-step and training-BatchNorm kernels: each composed from ops wasm runs fast, or a SIMD kernel
 * (simd-kernels.c), or a loop over the wasm heap. One
 * list, so adding a kernel touches one place.
 */
export const wasmTrainingKernels: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterConfig,
  depthwiseBackpropFilterConfig,
  depthwiseBackpropInputConfig,
  conv2DBackpropInputConfig,
  maxPoolGradConfig,
  unsortedSegmentSumConfig,
  clipByValueGradKernelConfig,
  adamUpdateKernelConfig,
  ...batchNormTrainingConfigs.kernels,
];

/**
 * Sets wasm up for training. Idempotent. Call before `tf.setBackend('wasm')`: the backend binds each
 * kernel's C++ entry point at start-up.
 * - registers the kernels above (replacing wasm's own Conv2DBackpropInput and MaxPoolGrad);
 * - wraps wasm kernels where a case of theirs is slow: matMul with transposed operands goes to
 *   XNNPACK (xnnpack-matmul.ts), per-channel Sum/Mean skip a transpose (channel-reduce.ts),
 *   per-channel BatchNorm computes its factor once per channel (batch-norm.ts),
 *   Identity shares data instead of copying (shared-identity.ts), matrix-shaped Transposes run in SIMD
 *   (transpose.ts);
 * - replaces three tfjs gradients, for every backend and with the same results: BatchNorm's without
 *   `tf.tile` (batch-norm-grad.ts), and ClipByValue's (ReLU6) and Relu's through the kernel above on
 *   wasm (clip-by-value-grad.ts).
 */
export function registerWasmTrainingKernels(): void {
  for (const config of wasmTrainingKernels) {
    if (tf.getKernel(config.kernelName, config.backendName) === config) continue;
    if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
  }
  routeTransposedMatMulsToXnnpack();
  reduceChannelsInOnePass();
  batchNormPerChannel();
  shareDataInIdentity();
  transposeBlocksWithSimd();
  for (const gradient of [fusedBatchNormGradConfig, clipByValueGradConfig, reluGradConfig, batchNormTrainingConfigs.gradient]) {
    if (tf.getGradient(gradient.kernelName) !== gradient) tf.registerGradient(gradient);
  }
}
