import { getFamily } from '@offgrid/engine';
import type { LoadedDataset } from '@offgrid/engine/data';
import { spectralFeatureCount, spectralFeatures, type Modality, type MotionSpec } from '@offgrid/features';
import type { FeatureDescription } from '@offgrid/tflite';
import type { InputPreprocessing, MotionFeatures } from './report.ts';

/** Samples back to back as one model takes them. */
export interface ModelView {
  x: Float32Array;
  /** One model input, without the batch dimension. */
  shape: number[];
  /** Motion only: raw windows or their spectral features. */
  features: MotionFeatures;
}

/**
 * Motion: vector families (mlp) take `spectralFeatures` of each window, sequence families (cnn1d) the window
 * itself — so picking a family in the search also picks the featurization. Audio: image families take the
 * log-mel as a one-channel picture [frames, melBands, 1] (same values, same order).
 */
export function featuresFor(kind: Modality, family: string): MotionFeatures {
  return kind === 'motion' && getFamily(family).sampleKind === 'vector' ? 'spectral' : 'raw';
}

/** The dataset's samples as `family` takes them (the same array when nothing changes). */
export function modelView(dataset: LoadedDataset, family: string): ModelView {
  const features = featuresFor(dataset.kind, family);
  if (features === 'spectral') return { x: spectralMatrix(dataset), shape: [spectralFeatureCount(motionSpec(dataset))], features };
  if (dataset.kind === 'audio' && getFamily(family).sampleKind === 'grid') return { x: dataset.x, shape: [...dataset.shape, 1], features };
  return { x: dataset.x, shape: [...dataset.shape], features };
}

/** `spectralFeatures` of every (normalized) motion window: what the phone computes from the window it cuts. */
export function spectralMatrix(dataset: LoadedDataset): Float32Array {
  const spec = motionSpec(dataset);
  const size = dataset.x.length / dataset.targets.length;
  const count = spectralFeatureCount(spec);
  const out = new Float32Array(dataset.targets.length * count);
  for (let i = 0; i < dataset.targets.length; i++) out.set(spectralFeatures(dataset.x.subarray(i * size, (i + 1) * size), spec), i * count);
  return out;
}

function motionSpec(dataset: LoadedDataset): MotionSpec {
  const spec = dataset.preprocessing?.motion;
  if (!spec) throw new Error('Motion data without its preprocessing spec: load it with loadDataset.');
  return spec;
}

/**
 * The exact specs the phone needs, for `report.input.preprocessing`. `tableScaling`: what a caller applies to a
 * table row, the dataset's standardization unless the model does it itself (then the identity).
 */
export function inputPreprocessing(dataset: LoadedDataset, features: MotionFeatures, tableScaling = dataset.featureScaling): InputPreprocessing {
  switch (dataset.kind) {
    case 'image': {
      const [height, width] = dataset.shape;
      const { mean, std } = dataset.imageNormalization ?? { mean: 127.5, std: 127.5 };
      return { image: { width, height, mean, std } };
    }
    case 'tabular':
      return { tabular: { featureNames: dataset.featureNames!, mean: tableScaling!.mean, std: tableScaling!.std } };
    case 'audio':
      return { audio: normalized(required(dataset, 'audio'), 'audio') };
    case 'motion':
      return { motion: { ...normalized(required(dataset, 'motion'), 'motion'), features } };
    case 'text':
      return { text: required(dataset, 'text') };
  }
}

/** A spec with the normalization training fitted: what a phone needs to reproduce the model's input. */
function normalized<T extends { normalization?: unknown }>(spec: T, kind: string): T & { normalization: NonNullable<T['normalization']> } {
  if (!spec.normalization) throw new Error(`${kind} data without its fitted normalization: load it with loadDataset.`);
  return spec as T & { normalization: NonNullable<T['normalization']> };
}

function required<K extends 'audio' | 'motion' | 'text'>(dataset: LoadedDataset, kind: K): NonNullable<NonNullable<LoadedDataset['preprocessing']>[K]> {
  const spec = dataset.preprocessing?.[kind];
  if (!spec) throw new Error(`${kind} data without its preprocessing spec: load it with loadDataset.`);
  return spec;
}

const MOTION_UNITS: Record<string, string> = { a: 'm/s²', l: 'm/s²', g: 'deg/s' };

/** Names (and units of the values before standardization) of a feature vector input, for the metadata. */
export function featureDescriptions(dataset: LoadedDataset, features: MotionFeatures): FeatureDescription[] {
  // Tables: the shipped files take raw values (see packageModel), in the units of the CSV column.
  if (dataset.kind === 'tabular') return dataset.featureNames!.map((name) => ({ name }));
  if (dataset.kind === 'motion' && features === 'spectral') {
    const spec = motionSpec(dataset);
    const bins = spectralFeatureCount(spec) / spec.channels.length - 2;
    return spec.channels.flatMap((channel) => {
      const unit = `standardized ${MOTION_UNITS[channel[0]] ?? ''}`.trim();
      return [`${channel}_mean`, `${channel}_std`, ...Array.from({ length: bins }, (_, b) => `${channel}_band${b + 1}`)].map((name) => ({ name, unit }));
    });
  }
  if (dataset.kind === 'audio') {
    const [frames, bands] = dataset.shape;
    return Array.from({ length: frames * bands }, (_, i) => ({ name: `frame${Math.floor(i / bands)}_mel${i % bands}`, unit: 'normalized log-mel' }));
  }
  throw new Error(`${dataset.kind} inputs are not described feature by feature.`);
}

/** A short description of the model input for the metadata. */
export function inputDescription(dataset: LoadedDataset, features: MotionFeatures): string {
  if (dataset.kind === 'audio') {
    const spec = required(dataset, 'audio');
    return `Log-mel spectrogram [${dataset.shape}] (frames × mel bands) of a ${spec.clipSeconds} s clip at ${spec.sampleRate} Hz, normalized (x - ${spec.normalization?.mean}) / ${spec.normalization?.std}: preprocessAudio with report.json's input.preprocessing.audio`;
  }
  if (dataset.kind === 'motion') {
    const spec = required(dataset, 'motion');
    const window = `${spec.windowSeconds} s window of ${spec.channels.join(', ')} at ${spec.rateHz} Hz, each channel standardized`;
    return features === 'spectral' ? `spectralFeatures of a ${window}` : `Motion window [${dataset.shape}] (steps × channels): a ${window}`;
  }
  return `${dataset.kind} input`;
}
