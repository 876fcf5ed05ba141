import { readFileSync } from 'node:fs';
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { float32View } from './wasm-heap.ts';

/**
 * The exports of simd-kernels.wasm, built from `packages/engine/kernels/simd-kernels.c` by
 * `npm run build:kernels` (the C file documents each kernel). Pointers are byte offsets into the
 * tfjs wasm backend's memory, which the module imports: kernels work on tensors in place.
 */
export interface SimdKernels {
  clip_by_value_grad(x: number, dy: number, dx: number, n: number, lo: number, hi: number): void;
  channel_sum(x: number, rows: number, channels: number, totals: number, out: number, mean: number): void;
  max_pool_grad(x: number, dy: number, dx: number, ...geometry: WindowGeometry): void;
  depthwise_filter_grad(x: number, dy: number, dw: number, ...geometry: WindowGeometry): void;
  depthwise_input_grad(dy: number, w: number, dx: number, ...geometry: WindowGeometry): void;
  batch_norm(
    x: number, mean: number, variance: number, offset: number, scale: number, out: number, rows: number, channels: number,
    epsilon: number, factors: number, hasOffset: number, hasScale: number,
  ): void;
  batch_norm_training(
    x: number, scale: number, offset: number, out: number, mean: number, variance: number, rows: number, channels: number,
    epsilon: number, totals: number, factors: number,
  ): void;
  batch_norm_training_grad(
    dy: number, x: number, mean: number, variance: number, scale: number, dx: number, dscale: number, doffset: number,
    rows: number, channels: number, epsilon: number, totals: number, factors: number,
  ): void;
  transpose_2d(from: number, to: number, rows: number, cols: number): void;
  transpose_blocks(from: number, to: number, rows: number, cols: number, inner: number): void;
  adam_update(
    w: number, m: number, v: number, g: number, wOut: number, mOut: number, vOut: number, n: number,
    beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number,
    oneMinusAccBeta1: number, oneMinusAccBeta2: number, epsilon: number, negativeRate: number,
  ): void;
}

/** batch, in height, in width, channels, out height, out width, filter height, filter width, strides, pad top, pad left. */
export type WindowGeometry = [number, number, number, number, number, number, number, number, number, number, number, number];

/** The part of the WebAssembly API used here: Node has it, but its types live in lib.dom, which the engine does not load. */
interface WasmApi {
  Memory: abstract new (...args: never[]) => object;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: object | undefined;
const instances = new WeakMap<object, SimdKernels>();

/** The kernels bound to this backend's memory (one instance per memory, i.e. per thread). */
export function simdKernels(backend: BackendWasm): SimdKernels {
  const memory = (backend.wasm as unknown as { asm?: { memory?: unknown } }).asm?.memory;
  if (!(memory instanceof wasm.Memory)) {
    throw new Error('The tfjs wasm backend does not expose its memory (asm.memory); the SIMD training kernels need @tensorflow/tfjs-backend-wasm 4.22.');
  }
  let kernels = instances.get(memory);
  if (!kernels) {
    compiled ??= new wasm.Module(readFileSync(new URL('./simd-kernels.wasm', import.meta.url)));
    kernels = new wasm.Instance(compiled, { env: { memory } }).exports as unknown as SimdKernels;
    instances.set(memory, kernels);
  }
  return kernels;
}

/** A float32 tensor's byte offset in the backend's memory: what the kernels take as a pointer. */
export function address(backend: BackendWasm, info: tf.TensorInfo, name: string): number {
  return float32View(backend, info, name).byteOffset;
}
