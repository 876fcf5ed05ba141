import * as tf from '@tensorflow/tfjs';
import { PAD_ID } from '@offgrid/features';

/**
 * The average of the embeddings of a sample's ids, <PAD> (id 0) left out: fastText's sentence vector (PyTorch's
 * EmbeddingBag(mode='mean', padding_idx=0)), weighted by a learned positive weight per id, exp(weights[id]),
 * and divided by the weights' sum. The weights start at exp(0) = 1 (the plain mean); they let the model turn down
 * frequent, uninformative ids (the n-grams of "the", "of") as TF-IDF's idf does: on the bench's fold 0 the
 * fortunes went from 77.5% to 80.1% and the Debian descriptions from 80% to 81.3% (bench/automl/RESULTS.md).
 * A plain Embedding + GlobalAveragePooling1D averages over all seqLength slots instead, so padding dilutes the
 * text's own ids by seqLength/ids and scales their gradients down by as much. Input [batch, seqLength] ids, output
 * [batch, dim]. The TFLite exporter lowers it to GATHER of the table and of exp(weights) (<PAD>'s rows zeroed),
 * MUL, MEAN of both, DIV.
 */
export class EmbeddingBag extends tf.layers.Layer {
  static className = 'EmbeddingBag';
  readonly inputDim: number;
  readonly outputDim: number;
  private readonly initializer: ReturnType<typeof tf.initializers.randomUniform>;
  private embeddings!: tf.LayerVariable;
  private idWeights!: tf.LayerVariable;

  constructor(args: { inputDim: number; outputDim: number; embeddingsInitializer?: ReturnType<typeof tf.initializers.randomUniform>; name?: string; inputShape?: number[] }) {
    super(args);
    this.inputDim = args.inputDim;
    this.outputDim = args.outputDim;
    this.initializer = args.embeddingsInitializer ?? tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05 });
  }

  override build(): void {
    this.embeddings = this.addWeight('embeddings', [this.inputDim, this.outputDim], 'float32', this.initializer as ReturnType<typeof tf.initializers.randomUniform>);
    this.idWeights = this.addWeight('weights', [this.inputDim, 1], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [shape[0], this.outputDim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    return tf.tidy(() => {
      const ids = tf.cast(input, 'int32');
      const [batch, steps] = ids.shape;
      const flat = tf.reshape(ids, [-1]);
      const vectors = tf.reshape(tf.gather(this.embeddings.read(), flat), [batch, steps, this.outputDim]);
      const mask = tf.cast(tf.notEqual(ids, PAD_ID), 'float32');
      const weights = tf.mul(tf.reshape(tf.exp(tf.gather(this.idWeights.read(), flat)), [batch, steps]), mask);
      const sum = tf.sum(tf.mul(vectors, tf.expandDims(weights, 2)), 1);
      // An all-<PAD> row (never produced by encodeText, which starts with <START>) gives zeros, not NaN.
      return tf.div(sum, tf.maximum(tf.sum(weights, 1, true), 1e-6));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), inputDim: this.inputDim, outputDim: this.outputDim };
  }
}
tf.serialization.registerClass(EmbeddingBag);
