import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sampleSize, type TrainingData } from '../train/data.ts';
import type { TfliteSession } from '@offgrid/tflite';
import type { Backbone, BackboneInfo } from './backbones.ts';

/** A float .tflite backbone (imported): embeddings run in LiteRT.js, one image at a time (batch 1). */
export interface TfliteBackbone {
  info: BackboneInfo;
  /** The feature model as run: input [1, H, W, C] → output [1, featureSize]. */
  bytes: Uint8Array;
  session: TfliteSession;
}

/** Any loaded backbone: a TF.js layers trunk (`model`) or a float .tflite one (`session`). */
export type AnyBackbone = Backbone | TfliteBackbone;

export const isTfliteBackbone = (backbone: AnyBackbone): backbone is TfliteBackbone => 'session' in backbone;

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

/**
 * An EmbeddingCache in a folder, one little-endian float32 file per sample (`<dir>/<key[0..2]>/<key>.f32`): embeddings
 * survive restarts, so a search or a second job over the same images pays for them once. Unreadable entries are misses.
 */
export function directoryEmbeddingCache(dir: string): EmbeddingCache {
  const path = (key: string) => join(dir, key.slice(0, 2), `${key}.f32`);
  return {
    get(key) {
      try {
        const bytes = readFileSync(path(key));
        return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      } catch {
        return undefined;
      }
    },
    set(key, value) {
      mkdirSync(join(dir, key.slice(0, 2)), { recursive: true });
      // Write then rename: a crash never leaves a truncated entry that would read as a (wrong) hit.
      const temporary = `${path(key)}.${process.pid}.tmp`;
      writeFileSync(temporary, new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
      renameSync(temporary, path(key));
    },
  };
}

/** Cache key: backbone name, sample shape and the sample's bytes. */
export function embeddingKey(backbone: AnyBackbone, shape: readonly number[], sample: Float32Array): string {
  return createHash('sha256').update(`${backbone.info.name}|${shape.join('x')}|`).update(new Uint8Array(sample.buffer, sample.byteOffset, sample.byteLength)).digest('hex');
}

/**
 * Embeds every sample once with the frozen backbone: TrainingData of [featureSize] vectors to
 * train a head on (e.g. the `mlp` family). Samples are images in the backbone's normalisation
 * (nsfwjs MobileNetV2: RGB pixels / 255; see `info.normalization`); other sizes are resized bilinearly to its
 * input size. TF.js backbones run `batchSize` images at a time; .tflite ones one at a time in LiteRT.js.
 */
export async function embedSamples(backbone: AnyBackbone, data: TrainingData, options: EmbedOptions = {}): Promise<TrainingData> {
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
    const images = tf.tidy(() => {
      const buffer = new Float32Array(batch.length * size);
      batch.forEach((index, i) => buffer.set(data.x.subarray(index * size, (index + 1) * size), i * size));
      const original = tf.tensor4d(buffer, [batch.length, ...data.shape] as [number, number, number, number]);
      return data.shape[0] !== h || data.shape[1] !== w ? tf.image.resizeBilinear(original, [h, w]) : original;
    });
    const values = await embedBatch(backbone, images);
    images.dispose();
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

/** Embeddings of a [n, H, W, C] batch in the backbone's input size, n × featureSize values. */
async function embedBatch(backbone: AnyBackbone, images: tf.Tensor4D): Promise<Float32Array> {
  if (!isTfliteBackbone(backbone)) {
    const out = backbone.model.predict(images) as tf.Tensor;
    const values = (await out.data()) as Float32Array;
    out.dispose();
    return values;
  }
  const pixels = (await images.data()) as Float32Array;
  const count = images.shape[0];
  const per = pixels.length / count;
  const features = backbone.info.featureSize;
  const values = new Float32Array(count * features);
  for (let i = 0; i < count; i++) {
    const [out] = await backbone.session.run([pixels.subarray(i * per, (i + 1) * per)]);
    if (out.length !== features) throw new Error(`Backbone "${backbone.info.name}" returned ${out.length} values; its entry says featureSize ${features}.`);
    values.set(out, i * features);
  }
  return values;
}

/**
 * Backbone trunk + trained head as one image classifier (input the backbone's), ready for
 * `exportTflite`. The head must take [featureSize] vectors.
 */
export function composeClassifier(backbone: AnyBackbone, head: tf.LayersModel): tf.LayersModel {
  if (isTfliteBackbone(backbone)) {
    throw new Error(`Backbone "${backbone.info.name}" is a .tflite model: it has no TF.js trunk to compose with; use composeTfliteClassifier(backbone, head) and exportTfliteModel for a .tflite classifier.`);
  }
  const input = tf.input({ shape: [...backbone.info.inputShape] });
  const features = backbone.model.apply(input) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: head.apply(features) as tf.SymbolicTensor, name: `${backbone.model.name}_classifier` });
}
