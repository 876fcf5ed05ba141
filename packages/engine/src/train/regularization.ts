import * as tf from '@tensorflow/tfjs';

/**
 * The sum of the model's weight penalties (`kernelRegularizer` and the like), or undefined without any.
 * tf.layers only adds them inside `model.fit`; our trainer runs its own loop (class weights, exact checkpoints,
 * data parallelism), so it must add them itself, or every `l2` in a family's space is silently ignored.
 * Walks nested models (a backbone inside a transfer model), because a Sequential does not collect its layers' losses.
 */
export function regularizationLoss(model: tf.LayersModel): tf.Scalar | undefined {
  const penalties = layerPenalties(model.layers);
  return penalties.length ? tf.addN(penalties) as tf.Scalar : undefined;
}

function layerPenalties(layers: readonly tf.layers.Layer[]): tf.Scalar[] {
  return layers.flatMap((layer) => (layer instanceof tf.LayersModel ? layerPenalties(layer.layers) : layer.calculateLosses()));
}
