import * as tf from '@tensorflow/tfjs';
import { chunk, imageBatch, labelBatch, type ImageGeometry } from './batches.ts';

export interface LossAndAccuracy {
  loss: number;
  accuracy: number;
}

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

/** Loss and accuracy in inference mode (dropout off), batch by batch to bound memory. */
export async function evaluate(
  model: tf.LayersModel,
  images: readonly Float32Array[],
  targets: readonly number[],
  indices: readonly number[],
  geometry: ImageGeometry,
  batchSize: number,
): Promise<LossAndAccuracy | undefined> {
  if (indices.length === 0) return undefined;
  let lossSum = 0;
  let correct = 0;
  for (const batch of chunk(indices, batchSize)) {
    const [loss, hits] = tf.tidy(() => {
      const probabilities = model.predict(imageBatch(images, batch, geometry)) as tf.Tensor2D;
      const labels = labelBatch(targets, batch);
      return [tf.mul(crossEntropy(probabilities, labels), batch.length), correctCount(probabilities, labels)];
    });
    lossSum += (await loss.data())[0];
    correct += (await hits.data())[0];
    tf.dispose([loss, hits]);
  }
  return { loss: lossSum / indices.length, accuracy: correct / indices.length };
}
