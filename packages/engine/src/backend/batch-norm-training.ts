import * as tf from '@tensorflow/tfjs';
import { address, simdKernels } from './simd-kernels.ts';
import { wasmBackend } from './wasm-heap.ts';

/**
 * BatchNorm in training as one kernel and one gradient kernel of ours (simd-kernels.c `batch_norm_training`,
 * `batch_norm_training_grad`), registered for wasm only. tfjs-layers computes it as moments + batchNorm, about
 * ten kernels forward and thirty in the gradient per layer: a third of a MobileNet-like step's kernel calls,
 * each with its tape entry and its full-size intermediate.
 */
export const BATCH_NORM_TRAINING = 'OffgridBatchNormTraining';
export const BATCH_NORM_TRAINING_GRAD = 'OffgridBatchNormTrainingGrad';

interface Attrs { epsilon: number }

/** The named inputs, all present. */
function required<Name extends string>(kernel: string, inputs: tf.NamedTensorInfoMap, ...names: Name[]): Record<Name, tf.TensorInfo> {
  const found = {} as Record<Name, tf.TensorInfo>;
  for (const name of names) {
    const info = inputs[name];
    if (!info) throw new Error(`${kernel} needs inputs ${names.join(', ')}; '${name}' is missing.`);
    found[name] = info;
  }
  return found;
}

/** Per-channel [..., channels] float32 tensors with scale and offset of `channels` values: what the kernels take. */
function channelsOf(x: tf.TensorInfo, ...perChannel: tf.TensorInfo[]): { rows: number; channels: number } {
  const channels = x.shape[x.shape.length - 1];
  const ok = x.dtype === 'float32' && x.shape.length >= 2 && perChannel.every((t) => t.dtype === 'float32' && tf.util.sizeFromShape(t.shape) === channels);
  if (!ok) throw new Error(`${BATCH_NORM_TRAINING}: needs float32 x [..., C] with per-channel [C] parameters, got x [${x.shape}] ${x.dtype}.`);
  return { rows: tf.util.sizeFromShape(x.shape) / channels, channels };
}

/** x, scale, offset → [y, batch mean, batch (biased) variance]. */
const forwardKernel: tf.KernelConfig = {
  kernelName: BATCH_NORM_TRAINING,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs, backend }) => {
    const { x, scale, offset } = required(BATCH_NORM_TRAINING, inputs, 'x', 'scale', 'offset');
    const { rows, channels } = channelsOf(x, scale, offset);
    const wasm = wasmBackend(backend, BATCH_NORM_TRAINING);
    const [y, mean, variance] = [x.shape, [channels], [channels]].map((shape) => wasm.makeOutput(shape, 'float32'));
    const scratch = wasm.makeOutput([3 * channels], 'float32'); // `channels` doubles, then `channels` floats
    try {
      const scratchAt = address(wasm, scratch, 'scratch');
      simdKernels(wasm).batch_norm_training(
        address(wasm, x, 'x'), address(wasm, scale, 'scale'), address(wasm, offset, 'offset'), address(wasm, y, 'y'),
        address(wasm, mean, 'mean'), address(wasm, variance, 'variance'), rows, channels, (attrs as unknown as Attrs).epsilon,
        scratchAt, scratchAt + 8 * channels,
      );
    } finally {
      wasm.disposeData(scratch.dataId);
    }
    return [y, mean, variance];
  },
};

/** dy, x, mean, variance, scale → [dx, dscale, doffset]. */
const gradientKernel: tf.KernelConfig = {
  kernelName: BATCH_NORM_TRAINING_GRAD,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs, backend }) => {
    const { dy, x, mean, variance, scale } = required(BATCH_NORM_TRAINING_GRAD, inputs, 'dy', 'x', 'mean', 'variance', 'scale');
    const { rows, channels } = channelsOf(x, mean, variance, scale);
    const wasm = wasmBackend(backend, BATCH_NORM_TRAINING_GRAD);
    const [dx, dscale, doffset] = [x.shape, [channels], [channels]].map((shape) => wasm.makeOutput(shape, 'float32'));
    const scratch = wasm.makeOutput([7 * channels], 'float32'); // 2 × `channels` doubles, then 3 × `channels` floats
    try {
      const scratchAt = address(wasm, scratch, 'scratch');
      simdKernels(wasm).batch_norm_training_grad(
        address(wasm, dy, 'dy'), address(wasm, x, 'x'), address(wasm, mean, 'mean'), address(wasm, variance, 'variance'),
        address(wasm, scale, 'scale'), address(wasm, dx, 'dx'), address(wasm, dscale, 'dscale'), address(wasm, doffset, 'doffset'),
        rows, channels, (attrs as unknown as Attrs).epsilon, scratchAt, scratchAt + 16 * channels,
      );
    } finally {
      wasm.disposeData(scratch.dataId);
    }
    return [dx, dscale, doffset];
  },
};

/** The gradient through the batch statistics; the mean and variance outputs only feed the moving averages. */
const gradient: tf.GradConfig = {
  kernelName: BATCH_NORM_TRAINING,
  inputsToSave: ['x', 'scale'],
  outputsToSave: [false, true, true],
  gradFunc: (dys, saved, attrs) => {
    const [x, scale, mean, variance] = saved;
    const dy = Array.isArray(dys) ? dys[0] : dys;
    const [dx, dscale, doffset] = tf.engine().runKernel(BATCH_NORM_TRAINING_GRAD, { dy, x, mean, variance, scale }, attrs as tf.NamedAttrMap) as tf.Tensor[];
    return { x: () => dx, scale: () => dscale, offset: () => doffset };
  },
};

export const batchNormTrainingConfigs = { kernels: [forwardKernel, gradientKernel], gradient };

/** Whether the fused op runs on the current backend (wasm with our kernels registered). */
export function canNormalizeBatchFused(): boolean {
  return tf.getKernel(BATCH_NORM_TRAINING, tf.getBackend()) !== undefined;
}

/** y = (x − mean) / √(variance + ε) · scale + offset with the batch's per-channel statistics, which it also returns. */
export function normalizeBatchFused(x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor, epsilon: number): [tf.Tensor, tf.Tensor1D, tf.Tensor1D] {
  return tf.engine().runKernel(BATCH_NORM_TRAINING, { x, scale, offset }, { epsilon }) as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
}
