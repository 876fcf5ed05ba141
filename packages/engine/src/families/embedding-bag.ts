import * as tf from '@tensorflow/tfjs';
import { PAD_ID } from '@offgrid/features';

/**
 * The mean of the embeddings of a sample's ids, <PAD> (id 0) left out: fastText's sentence vector, and PyTorch's
 * EmbeddingBag(mode='mean', padding_idx=0). A plain Embedding + GlobalAveragePooling1D averages over all seqLength
 * slots, so padding dilutes the text's own ids by seqLength/ids and scales their gradients down by as much (a
 * one-line text of 40 ids in 256 slots: ×0.16). Input [batch, seqLength] ids, output [batch, dim]. The TFLite
 * exporter lowers it to GATHER + MEAN for the embeddings and for a 0/1 table of "is not <PAD>", then DIV.
 */
export class EmbeddingBag extends tf.layers.Layer {
  static className = 'EmbeddingBag';
  readonly inputDim: number;
  readonly outputDim: number;
  private readonly initializer: ReturnType<typeof tf.initializers.randomUniform>;
  private embeddings!: tf.LayerVariable;

  constructor(args: { inputDim: number; outputDim: number; embeddingsInitializer?: ReturnType<typeof tf.initializers.randomUniform>; name?: string; inputShape?: number[] }) {
    super(args);
    this.inputDim = args.inputDim;
    this.outputDim = args.outputDim;
    this.initializer = args.embeddingsInitializer ?? tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05 });
  }

  override build(): void {
    this.embeddings = this.addWeight('embeddings', [this.inputDim, this.outputDim], 'float32', this.initializer as ReturnType<typeof tf.initializers.randomUniform>);
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
      const vectors = tf.reshape(tf.gather(this.embeddings.read(), tf.reshape(ids, [-1])), [batch, steps, this.outputDim]);
      const mask = tf.cast(tf.notEqual(ids, PAD_ID), 'float32');
      const sum = tf.sum(tf.mul(vectors, tf.expandDims(mask, 2)), 1);
      // An all-<PAD> row (never produced by encodeText, which starts with <START>) gives zeros, not NaN.
      return tf.div(sum, tf.maximum(tf.sum(mask, 1, true), 1));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), inputDim: this.inputDim, outputDim: this.outputDim };
  }
}
tf.serialization.registerClass(EmbeddingBag);
