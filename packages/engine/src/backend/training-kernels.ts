import * as tf from '@tensorflow/tfjs';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.ts';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.ts';
import { depthwiseBackpropFilterConfig, depthwiseBackpropInputConfig } from './depthwise-backprop.ts';
import { maxPoolGradConfig } from './max-pool-grad.ts';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum.ts';

/**
 * Gradient kernels tfjs-backend-wasm 4.22 lacks (the first three, and UnsortedSegmentSum: the
 * Embedding gradient) or runs slowly (the others),
 * each composed from ops wasm runs fast. One list, so adding a kernel touches one place.
 */
export const wasmTrainingKernels: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterConfig,
  depthwiseBackpropFilterConfig,
  depthwiseBackpropInputConfig,
  conv2DBackpropInputConfig,
  maxPoolGradConfig,
  unsortedSegmentSumConfig,
];

/** Idempotent; replaces a kernel wasm already has (its own Conv2DBackpropInput) without a warning. */
export function registerWasmTrainingKernels(): void {
  for (const config of wasmTrainingKernels) {
    if (tf.getKernel(config.kernelName, config.backendName) === config) continue;
    if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
  }
}
