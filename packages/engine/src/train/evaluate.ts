import * as tf from '@tensorflow/tfjs';

/** Mean cross-entropy of softmax outputs against integer labels (probabilities clipped like Keras). */
export function crossEntropy(probabilities: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(labels, probabilities.shape[1]);
    const logProbabilities = tf.log(tf.clipByValue(probabilities, 1e-7, 1 - 1e-7));
    return tf.neg(tf.mean<tf.Scalar>(tf.sum(tf.mul(oneHot, logProbabilities), -1)));
  });
}

/** Number of rows whose arg-max is the label. */
export function correctCount(probabilities: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.sum<tf.Scalar>(tf.cast(tf.equal(tf.argMax(probabilities, -1), labels), 'float32')));
}
