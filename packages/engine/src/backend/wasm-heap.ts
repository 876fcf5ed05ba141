import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Kernels written as JavaScript loops read their inputs and write their output in place on the
 * wasm heap: `dataSync()` would copy every input out and `tf.tensor()` the result back in, which
 * cost as much as the loop itself (measured on MaxPoolGrad: ~7 of 17 ms).
 *
 * Views are only valid until the heap grows, so allocate the output first (`float32Output`) and
 * take every view after it, with no tensor allocation in between.
 */
export function wasmBackend(backend: unknown, kernel: string): BackendWasm {
  const candidate = backend as Partial<BackendWasm> | undefined;
  if (typeof candidate?.typedArrayFromHeap !== 'function' || typeof candidate.makeOutput !== 'function') {
    throw new Error(`${kernel}: this kernel runs on the tfjs wasm backend only.`);
  }
  return candidate as BackendWasm;
}

export function float32View(backend: BackendWasm, info: tf.TensorInfo, name: string): Float32Array {
  if (info.dtype !== 'float32') throw new Error(`Kernel input '${name}' must be float32, got ${info.dtype}.`);
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/** A new float32 tensor on the heap, zero-filled (the allocator does not clear memory). */
export function float32Output(backend: BackendWasm, shape: number[]): tf.TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  (backend.typedArrayFromHeap(out) as Float32Array).fill(0);
  return out;
}
