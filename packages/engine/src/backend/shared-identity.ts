import * as tf from '@tensorflow/tfjs';
import { wasmBackend } from './wasm-heap.ts';
import { wrapWasmKernel } from './wrap-wasm-kernel.ts';

/** The input itself, one more reference counted: safe because tensor data is immutable (wasm's own Reshape does the same). */
function share(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo | undefined {
  const { x } = args.inputs;
  if (!x || x.dtype === 'string') return undefined;
  wasmBackend(args.backend, 'Identity').incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * wasm's Identity (tf.clone, and the gradient of Cast and others) copies the whole tensor, and so does its Cast to
 * the dtype the tensor already has (every ReLU gradient casts its float32 step mask to float32: 38 full-size copies
 * per MobileNet-like step). cpu shares the data and counts a reference; so do these wrappers. The ~330 Identity copies
 * per MobileNet-like step cost ~6% of it.
 */
export function shareDataInIdentity(): void {
  wrapWasmKernel(tf.Identity, (original) => (args) => share(args) ?? original(args));
  wrapWasmKernel(tf.Cast, (original) => (args) => (args.inputs.x?.dtype === (args.attrs as unknown as tf.CastAttrs).dtype ? share(args) : undefined) ?? original(args));
}
