import * as tf from '@tensorflow/tfjs';

const wrappers = new WeakSet<tf.KernelFunc>();
const originals = new Map<string, tf.KernelFunc>();

/** wasm's own kernel behind a wrapper (for benchmarks that time both). */
export function originalWasmKernel(kernelName: string): tf.KernelFunc | undefined {
  return originals.get(kernelName);
}

/**
 * Replaces one of wasm's own kernels by `wrap(original)`, a function that handles the cases it is
 * faster at and hands the rest to the original. Keeps the original's setupFunc/disposeFunc (the
 * wasm backend binds its C++ entry points through them). Idempotent: an already wrapped kernel is
 * left alone, so registering twice never wraps a wrapper.
 */
export function wrapWasmKernel(kernelName: string, wrap: (original: tf.KernelFunc) => tf.KernelFunc): void {
  const current = tf.getKernel(kernelName, 'wasm');
  if (!current) throw new Error(`tfjs-backend-wasm has no ${kernelName} kernel to wrap; is @tensorflow/tfjs-backend-wasm imported?`);
  if (wrappers.has(current.kernelFunc)) return;
  originals.set(kernelName, current.kernelFunc);
  const kernelFunc = wrap(current.kernelFunc);
  wrappers.add(kernelFunc);
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ ...current, kernelFunc });
}
