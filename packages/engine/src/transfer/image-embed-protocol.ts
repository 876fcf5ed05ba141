import type { ImageSpec } from '@offgrid/features';
import type { BackboneInfo } from './backbones.ts';

/** What an embedding worker is started with: which backbone (imported ones live under `dataDir`). */
export interface ImageEmbedWorkerData { entry: string; backbone: string; dataDir?: string }
/** A chunk of encoded image files (JPEG, PNG, …) to embed. */
export interface ImageEmbedRequest { id: number; files: Uint8Array[] }
export type ImageEmbedReply =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  /** `x`: files × featureSize values; `seconds`: decoding and embedding the chunk, in the worker. */
  | { type: 'embedded'; id: number; x: Float32Array; seconds: number }
  | { type: 'error'; id: number; message: string };

/**
 * How a photo becomes this backbone's input: its size, and its normalization as one mean/std for all channels (what
 * features' `ImageSpec` and the phone's image metadata carry). Backbones normalized per channel are refused here.
 */
export function backboneImageSpec(info: BackboneInfo): ImageSpec {
  const [height, width] = info.inputShape;
  const { mean, std } = info.normalization;
  if (new Set(mean).size !== 1 || new Set(std).size !== 1) {
    throw new Error(`Backbone "${info.name}" normalizes each channel differently (mean ${mean}, std ${std}); the search offers backbones with one mean and std for all channels.`);
  }
  return { width, height, mean: mean[0], std: std[0] };
}
