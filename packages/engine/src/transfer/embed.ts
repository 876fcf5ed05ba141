import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { sampleSize, type TrainingData } from '../train/data.ts';
import type { Backbone } from './backbones.ts';

/** Where embeddings are kept between trials (the server can persist them; a Map works in memory). */
export interface EmbeddingCache {
  get(key: string): Float32Array | undefined;
  set(key: string, value: Float32Array): void;
}

export interface EmbedOptions {
  batchSize?: number;
  cache?: EmbeddingCache;
  /** Called after each batch with samples done and total. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Cache key: backbone name, sample shape and the sample's bytes. */
export function embeddingKey(backbone: Backbone, shape: readonly number[], sample: Float32Array): string {
  return createHash('sha256').update(`${backbone.info.name}|${shape.join('x')}|`).update(new Uint8Array(sample.buffer, sample.byteOffset, sample.byteLength)).digest('hex');
}

/**
 * Embeds every sample once with the frozen backbone: TrainingData of [featureSize] vectors to
 * train a head on (e.g. the `mlp` family). Samples are images in the backbone's normalisation
 * (nsfwjs MobileNetV2: RGB pixels / 255); other sizes are resized bilinearly to its input size.
 */
export async function embedSamples(backbone: Backbone, data: TrainingData, options: EmbedOptions = {}): Promise<TrainingData> {
  const { batchSize = 16, cache, onProgress, signal } = options;
  const [h, w, c] = backbone.info.inputShape;
  if (data.shape.length !== 3 || data.shape[2] !== c) throw new Error(`Backbone "${backbone.info.name}" needs [height, width, ${c}] images (got [${data.shape.join(', ')}]).`);
  const count = data.targets.length;
  const size = sampleSize(data.shape);
  const features = backbone.info.featureSize;
  const x = new Float32Array(count * features);
  const keys = cache ? Array.from({ length: count }, (_, i) => embeddingKey(backbone, data.shape, data.x.subarray(i * size, (i + 1) * size))) : [];
  const missing: number[] = [];
  for (let i = 0; i < count; i++) {
    const hit = cache?.get(keys[i]);
    if (hit) x.set(hit, i * features);
    else missing.push(i);
  }
  for (let start = 0; start < missing.length; start += batchSize) {
    if (signal?.aborted) throw new DOMException('Embedding was aborted.', 'AbortError');
    const batch = missing.slice(start, start + batchSize);
    const out = tf.tidy(() => {
      const buffer = new Float32Array(batch.length * size);
      batch.forEach((index, i) => buffer.set(data.x.subarray(index * size, (index + 1) * size), i * size));
      let images = tf.tensor4d(buffer, [batch.length, ...data.shape] as [number, number, number, number]);
      if (data.shape[0] !== h || data.shape[1] !== w) images = tf.image.resizeBilinear(images, [h, w]);
      return backbone.model.predict(images) as tf.Tensor;
    });
    const values = (await out.data()) as Float32Array;
    out.dispose();
    batch.forEach((index, i) => {
      const embedding = values.slice(i * features, (i + 1) * features);
      x.set(embedding, index * features);
      if (cache) cache.set(keys[index], embedding);
    });
    onProgress?.(Math.min(start + batchSize, missing.length) + (count - missing.length), count);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { x, shape: [features], targets: data.targets };
}

/**
 * Backbone trunk + trained head as one image classifier (input the backbone's), ready for
 * `exportTflite`. The head must take [featureSize] vectors.
 */
export function composeClassifier(backbone: Backbone, head: tf.LayersModel): tf.LayersModel {
  const input = tf.input({ shape: [...backbone.info.inputShape] });
  const features = backbone.model.apply(input) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: head.apply(features) as tf.SymbolicTensor, name: `${backbone.model.name}_classifier` });
}
