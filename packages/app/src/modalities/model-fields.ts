// What a model's metadata holds beyond images (docs/modalities.md, "What the phone gets with a model"): the
// exact preprocessing specs and, for anomaly models, the calibrated threshold. The SDK's `ModelVersion` types them
// now (generated from the server's schemas); models stored on the phone by older servers may lack them, so this
// stays the one place the app reads them, with checks.
import type { AudioSpec, ImageSpec, MotionSpec, StandardScaler, TextSpec } from '@offgrid/features';
import type { ModelVersion } from '@offgrid/sdk';

export interface ModelPreprocessing {
  image?: ImageSpec;
  audio?: AudioSpec;
  /** `features: 'spectral'` when the model takes `spectralFeatures` of a window rather than the raw window. */
  motion?: MotionSpec & { features?: 'raw' | 'spectral' };
  text?: TextSpec & { vocabulary: string[] };
  tabular?: StandardScaler;
}

export interface AnomalyMetrics {
  /** Scores above this are anomalies (calibrated on held-out normal data for `falseAlarmRate`). */
  threshold: number;
  thresholdInt8?: number;
  falseAlarmRate: number;
}

/** `model.input.preprocessing`, or `{}` for an image model from a server that sends only the image fields. */
export function modelPreprocessing(model: ModelVersion): ModelPreprocessing {
  const input = model.input as unknown as { preprocessing?: ModelPreprocessing };
  return input.preprocessing ?? {};
}

/** An image model's spec: `preprocessing.image`, or the top-level fields that servers sent before `preprocessing` existed. */
export function imageSpecOf(model: ModelVersion): ImageSpec {
  const { width, height, mean, std } = modelPreprocessing(model).image ?? model.input;
  if (width === undefined || height === undefined || mean === undefined || std === undefined) {
    throw new Error(`Model v${model.version} has no image preprocessing in its metadata; was it trained for this project?`);
  }
  return { width, height, mean, std };
}

/** The spec a modality needs from the model; an error naming the model when it lacks it. */
export function requirePreprocessing<K extends keyof ModelPreprocessing>(model: ModelVersion, kind: K): NonNullable<ModelPreprocessing[K]> {
  const spec = modelPreprocessing(model)[kind];
  if (!spec) throw new Error(`Model v${model.version} has no ${kind} preprocessing in its metadata; was it trained for this project?`);
  return spec;
}

/**
 * The anomaly threshold of an anomaly model (`model.metrics.anomaly`), else undefined. Each file was calibrated on
 * its own scores: `threshold` is the one for `variant` (the int8 file's, where the server measured one).
 */
export function anomalyMetrics(model: ModelVersion, variant: 'float32' | 'int8' = 'float32'): AnomalyMetrics | undefined {
  const anomaly = (model.metrics as unknown as { anomaly?: Partial<AnomalyMetrics> }).anomaly;
  if (!anomaly || typeof anomaly.threshold !== 'number' || !Number.isFinite(anomaly.threshold)) return undefined;
  const threshold = variant === 'int8' && typeof anomaly.thresholdInt8 === 'number' ? anomaly.thresholdInt8 : anomaly.threshold;
  return { threshold, falseAlarmRate: anomaly.falseAlarmRate ?? Number.NaN, ...(anomaly.thresholdInt8 === undefined ? {} : { thresholdInt8: anomaly.thresholdInt8 }) };
}
