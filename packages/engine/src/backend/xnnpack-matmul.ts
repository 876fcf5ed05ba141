import * as tf from '@tensorflow/tfjs';
import { wrapWasmKernel } from './wrap-wasm-kernel.ts';

/**
 * tfjs-backend-wasm 4.22 sends a matMul to XNNPACK only when neither operand is transposed and the
 * batch is 1; `transposeA`/`transposeB` fall to a naive blocked C++ loop that is ~10x slower
 * (measured: [64x3136]·[3136x128] 22 ms vs 1.8 ms with an explicit transpose first). Every dense
 * weight gradient (xᵀ·dy) and input gradient (dy·Wᵀ) is such a matMul, so these wrappers transpose
 * the operand explicitly (a cheap copy) and re-run the kernel with the flags cleared.
 */
function batchSize(shape: readonly number[]): number {
  return shape.slice(0, -2).reduce((a, b) => a * b, 1);
}

/** Swaps the last two axes (what a transpose flag means for a rank ≥ 2 operand). */
function transposeLastTwo(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1], perm[x.rank - 2]];
  return tf.transpose(x, perm);
}

function asTensor(info: tf.TensorInfo): tf.Tensor {
  return info instanceof tf.Tensor ? info : tf.engine().makeTensorFromTensorInfo(info);
}

function untransposed(kernelName: string, original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { transposeA, transposeB } = args.attrs as { transposeA?: boolean; transposeB?: boolean };
    const { a, b } = args.inputs;
    if ((!transposeA && !transposeB) || !a || !b || batchSize(a.shape) !== 1 || batchSize(b.shape) !== 1) {
      return original(args);
    }
    return tf.tidy(() => {
      const inputs: tf.NamedTensorMap = {};
      for (const [name, info] of Object.entries(args.inputs)) if (info) inputs[name] = asTensor(info);
      if (transposeA) inputs.a = transposeLastTwo(inputs.a);
      if (transposeB) inputs.b = transposeLastTwo(inputs.b);
      return tf.engine().runKernel(kernelName, inputs, { ...args.attrs, transposeA: false, transposeB: false }) as tf.Tensor;
    });
  };
}

/** Wraps wasm's BatchMatMul and _FusedMatMul as above. Idempotent. */
export function routeTransposedMatMulsToXnnpack(): void {
  for (const name of [tf.BatchMatMul, tf._FusedMatMul]) wrapWasmKernel(name, (original) => untransposed(name, original));
}
