// A kept sample's bytes → the model's input, with the preprocessing the predictor uses for live input and the
// server uses in training: text through the model's vocabulary (encodeText), rows through its StandardScaler,
// photos decoded, centre-cropped and resized (preprocessImage). Sounds and motion recordings are not embedded on
// the phone yet: they are refused with that reason.
import { preprocessImage, rgbaToRgb, scaleFeatures } from '@offgrid/features';
import type { ModelVersion } from '@offgrid/sdk';
import { imageSpecOf, requirePreprocessing } from '../../modalities/model-fields.ts';
import { encodeForModel, modelTextSpec } from '../../modalities/text/text-model.ts';

export interface SampleBytes {
  contentType: string;
  data: Uint8Array;
}

export type ModelInputValues = Float32Array | Int32Array;
export type SampleEncoder = (sample: SampleBytes) => Promise<ModelInputValues>;

/** A tabular sample's `{"features": [...]}`, checked. */
export function tabularFeatures(data: Uint8Array, width: number): number[] {
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(data));
  } catch (error) {
    throw new Error('A kept row is not JSON.', { cause: error });
  }
  const features = (body as { features?: unknown } | null)?.features;
  if (!Array.isArray(features) || features.length !== width || !features.every((value) => typeof value === 'number' && Number.isFinite(value))) {
    throw new Error(`A kept row does not have ${width} numeric features.`);
  }
  return features as number[];
}

async function decodeImage(sample: SampleBytes): Promise<{ data: Uint8ClampedArray; width: number; height: number }> {
  const bitmap = await createImageBitmap(new Blob([sample.data as Uint8Array<ArrayBuffer>], { type: sample.contentType }));
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d');
    if (!context) throw new Error('This browser cannot read pixels back from a canvas.');
    context.drawImage(bitmap, 0, 0);
    return context.getImageData(0, 0, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}

/** The encoder for a model's modality; throws naming what is missing when the model cannot be fed from samples. */
export function sampleEncoder(model: ModelVersion): SampleEncoder {
  const kind = model.input.kind ?? 'image';
  if (kind === 'text') {
    const spec = modelTextSpec(model);
    return async (sample) => encodeForModel(new TextDecoder().decode(sample.data), spec).ids;
  }
  if (kind === 'tabular') {
    const scaler = requirePreprocessing(model, 'tabular');
    return async (sample) => scaleFeatures(tabularFeatures(sample.data, scaler.mean.length), scaler);
  }
  if (kind === 'image') {
    const spec = imageSpecOf(model);
    return async (sample) => {
      const { data, width, height } = await decodeImage(sample);
      return preprocessImage(rgbaToRgb(data, width, height), spec);
    };
  }
  throw new Error(`Learning on the phone takes photo, text and table projects for now; this model reads ${kind}.`);
}
