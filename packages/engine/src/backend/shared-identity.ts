import * as tf from '@tensorflow/tfjs';
import { wasmBackend } from './wasm-heap.ts';
import { wrapWasmKernel } from './wrap-wasm-kernel.ts';

/**
 * wasm's Identity (tf.clone, and the gradient of Cast and others) copies the whole tensor; cpu's
 * shares the data and counts a reference, which is safe because tensor data is immutable (wasm's
 * own Reshape does the same). ~330 copies per MobileNet-like step cost ~6% of it.
 */
export function shareDataInIdentity(): void {
  wrapWasmKernel(tf.Identity, (original) => (args) => {
    const { x } = args.inputs;
    if (!x || x.dtype === 'string') return original(args);
    wasmBackend(args.backend, tf.Identity).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });
}
