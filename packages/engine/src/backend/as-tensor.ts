import * as tf from '@tensorflow/tfjs';

/**
 * Kernel inputs are typed as bare `TensorInfo`. Ops always pass real tensors, but a direct
 * `engine().runKernel` call may not, so wrap defensively before composing tf ops on them.
 */
export function asTensor4D(info: tf.TensorInfo | undefined, name: string): tf.Tensor4D {
  if (!info) throw new Error(`Kernel input '${name}' is missing.`);
  if (info instanceof tf.Tensor) return info as tf.Tensor4D;
  return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor4D;
}
