import * as tf from '@tensorflow/tfjs';

/**
 * Gradient of FusedBatchNorm (y = (x − mean)·rsqrt(variance + ε)·scale + offset) without `tf.tile`.
 * tfjs' own gradient tiles rsqrt(variance) to the full [N,H,W,C] shape and computes each partial
 * derivative with its own full-size products; on wasm its Tile alone was ~20% of a MobileNet-like
 * step. Here every full-size tensor is shared and broadcasting does the rest:
 *   dx = dy·(scale·r)                         r = rsqrt(variance + ε)
 *   dOffset = Σdy      dScale = r·Σ dy·(x − mean)
 *   dMean = −scale·r·Σdy      dVariance = −½·scale·r³·Σ dy·(x − mean)
 * (Σ over the axes mean is broadcast along). Same math, registered for every backend.
 */
export const fusedBatchNormGradConfig: tf.GradConfig = {
  kernelName: tf.FusedBatchNorm,
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy, saved, attrs) => {
    const { varianceEpsilon } = attrs as unknown as tf.FusedBatchNormAttrs;
    const [x, mean, variance, scale] = saved;
    const gradient = dy as tf.Tensor;
    const axes = tf.broadcast_util.getReductionAxes(mean.shape, x.shape);
    const reduce = (t: tf.Tensor): tf.Tensor => tf.reshape(axes.length > 0 ? tf.sum(t, axes) : t, mean.shape);
    const r = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
    const scaleTimesR = scale == null ? r : tf.mul(scale, r);
    // Computed here, not inside the thunks: tfjs runs each thunk in its own tidy, so a value shared
    // between thunks would be disposed after the first; tensors made here live until backprop ends.
    const sumDy = reduce(gradient);
    const sumDyCentered = reduce(tf.mul(gradient, tf.sub(x, mean)));
    return {
      x: () => tf.reshape(tf.mul(gradient, scaleTimesR), x.shape),
      mean: () => tf.reshape(tf.mul(tf.neg(scaleTimesR), sumDy), mean.shape),
      variance: () => tf.reshape(tf.mul(tf.mul(tf.mul(scaleTimesR, tf.square(r)), tf.scalar(-0.5)), sumDyCentered), mean.shape),
      scale: () => tf.reshape(tf.mul(r, sumDyCentered), mean.shape),
      offset: () => tf.reshape(sumDy, mean.shape),
    };
  },
};
