import * as tf from '@tensorflow/tfjs';
import { address, simdKernels } from './simd-kernels.ts';
import { wasmBackend } from './wasm-heap.ts';
import { wrapWasmKernel } from './wrap-wasm-kernel.ts';

/**
 * A permutation that keeps some leading and trailing axes and swaps two blocks of axes between them ([1, 0];
 * [0, 2, 1]; [2, 3, 0, 1]; [1, 2, 0, 3]) is `batch` transposes of [rows, cols] matrices whose elements are runs of
 * `inner` values. Returns them, or undefined for any other permutation.
 */
export function asBlockTransposes(shape: readonly number[], perm: readonly number[]): { batch: number; rows: number; cols: number; inner: number } | undefined {
  let kept = 0;
  while (kept < perm.length && perm[kept] === kept) kept++;
  let end = perm.length;
  while (end > kept && perm[end - 1] === end - 1) end--;
  if (end - kept < 2) return undefined;
  const split = perm[kept]; // the block moved to the front starts here
  const swapped = perm.slice(kept, end).every((axis, i) => axis === (i < end - split ? split + i : kept + i - (end - split)));
  if (!swapped) return undefined;
  const size = (from: number, to: number) => shape.slice(from, to).reduce((a, b) => a * b, 1);
  return { batch: size(0, kept), rows: size(kept, split), cols: size(split, end), inner: size(end, shape.length) };
}

/**
 * wasm's Transpose moves one element at a time; block swaps (the transposed operands of every weight gradient, the
 * regroupings of the conv gradients) go through simd-kernels.c `transpose_2d` / `transpose_blocks` instead. Other
 * permutations, and non-float32 tensors, stay wasm's.
 */
function transpose(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs;
    const { perm } = args.attrs as unknown as tf.TransposeAttrs;
    const blocks = x && x.dtype === 'float32' ? asBlockTransposes(x.shape, perm) : undefined;
    if (!x || !blocks || blocks.rows === 1 || blocks.cols === 1) return original(args);
    const backend = wasmBackend(args.backend, tf.Transpose);
    const out = backend.makeOutput(perm.map((axis) => x.shape[axis]), 'float32');
    const [from, to] = [address(backend, x, 'x'), address(backend, out, 'out')];
    const { batch, rows, cols, inner } = blocks;
    const bytes = 4 * rows * cols * inner;
    const kernels = simdKernels(backend);
    for (let b = 0; b < batch; b++) {
      if (inner === 1) kernels.transpose_2d(from + b * bytes, to + b * bytes, rows, cols);
      else kernels.transpose_blocks(from + b * bytes, to + b * bytes, rows, cols, inner);
    }
    return out;
  };
}

/** Wraps wasm's Transpose as above. Idempotent. */
export function transposeBlocksWithSimd(): void {
  wrapWasmKernel(tf.Transpose, transpose);
}
