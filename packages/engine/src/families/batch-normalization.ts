import * as tf from '@tensorflow/tfjs';
import { canNormalizeBatchFused, normalizeBatchFused } from '../backend/batch-norm-training.ts';

/** What the families pass to a BatchNormalization layer. */
type Args = Parameters<typeof tf.layers.batchNormalization>[0];

/** tfjs-layers' BatchNormalization, whose class the package does not export (only its factory). */
const Base = tf.layers.batchNormalization({}).constructor as new (args?: Args) => tf.layers.Layer;

/** The private fields of tfjs-layers' BatchNormalization this layer reads (names as in its source). */
interface BatchNormFields {
  axis: number; momentum: number; epsilon: number; center: boolean; scale: boolean;
  gamma: tf.LayerVariable; beta: tf.LayerVariable; movingMean: tf.LayerVariable; movingVariance: tf.LayerVariable;
}

/**
 * tfjs-layers' BatchNormalization with its training step as one fused op on wasm (backend/batch-norm-training.ts);
 * inference, other backends and unusual settings (another axis, no centre or scale) run the original code. It
 * serializes as a plain BatchNormalization (the class name is inherited), so saved models, the TFLite exporter
 * and anything that reloads the model see the layer they know.
 */
class FusedTrainingBatchNormalization extends Base {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor | tf.Tensor[] {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    const self = this as unknown as BatchNormFields;
    const lastAxis = self.axis === -1 || self.axis === input.rank - 1;
    if (!kwargs.training || !lastAxis || !self.center || !self.scale || input.dtype !== 'float32' || !canNormalizeBatchFused()) {
      return super.call(inputs, kwargs);
    }
    return tf.tidy(() => {
      const [y, mean, variance] = normalizeBatchFused(input, self.gamma.read(), self.beta.read(), self.epsilon);
      // The moving averages exactly as tfjs-layers updates them: value − (value − batch statistic) · (1 − momentum).
      for (const [variable, batchValue] of [[self.movingMean, mean], [self.movingVariance, variance]] as const) {
        const value = variable.read();
        variable.write(tf.sub(value, tf.mul(tf.sub(value, batchValue), 1 - self.momentum)));
      }
      return y;
    });
  }
}

/** A BatchNormalization layer for the families: `tf.layers.batchNormalization`, with a fused training step on wasm. */
export function batchNormalization(args: Args = {}): tf.layers.Layer {
  return new FusedTrainingBatchNormalization(args);
}
