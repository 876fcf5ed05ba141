import * as tf from '@tensorflow/tfjs';

/**
 * Gaussian noise on the inputs while training, an identity at inference. tf.layers.gaussianNoise draws unseeded
 * noise, which would make runs unrepeatable; this one takes its seed from `seed`, which the trainer sets from the
 * run's generator before every step (`reseedDropout`), as it does for dropout masks. It keeps the class name
 * 'GaussianNoise' so the TFLite exporter treats it as what it is at inference: a pass-through.
 */
export class SeededGaussianNoise extends tf.layers.Layer {
  static className = 'GaussianNoise';
  readonly stddev: number;
  seed: number;

  constructor(args: { stddev: number; seed: number; name?: string; inputShape?: number[] }) {
    super(args);
    this.stddev = args.stddev;
    this.seed = args.seed;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs.training || this.stddev === 0) return input.clone();
    return tf.tidy(() => tf.add(input, tf.randomNormal(input.shape, 0, this.stddev, 'float32', this.seed)));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), stddev: this.stddev, seed: this.seed };
  }
}
