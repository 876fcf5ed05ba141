import { classificationReport, int8FloatOperators, type ClassificationReport } from '@offgrid/engine';
import { TEXT_DELIM_PATTERN } from '@offgrid/features';
import {
  featureClassifierMetadata, imageClassifierMetadata, LABELS_FILE, parseModel, quantizeInt8, serializeWithMetadata, textClassifierMetadata,
  TfliteSession, withInputStandardization, type ModelInput, type ModelMetadata, type TensorMetadata, type TfliteModel,
} from '@offgrid/tflite';
import type { LoadedDataset } from '@offgrid/engine/data';
import { featureDescriptions, inputDescription } from './model-input.ts';
import type { MotionFeatures } from './report.ts';

export interface ModelFiles {
  float32: Uint8Array;
  int8: Uint8Array;
  /** Held-out samples as the model takes them (probes.ts), for a phone's choice of variant. */
  probes?: Uint8Array;
  /** The held-out test samples with their labels (features' encodeHoldout), kept on the server to test later heads. */
  holdout?: Uint8Array;
}

/**
 * The shipped files: float32 as trained, and full-integer int8 (float32 I/O, which LiteRT.js and the
 * Task Library accept; text models keep their int32 token-id input, and an averaged one stays float after its int8
 * lookups: int8FloatOperators) calibrated on training samples; both carry
 * labels and what the input is (image normalization, text vocabulary + tokenizer, feature names).
 * `features` says what a motion model takes (raw windows or spectral features). A table model takes raw values:
 * it standardizes inside (see `fileInputs`), so a native app calling the interpreter cannot get the scaling wrong.
 * `representative` is calibration data as the trained model takes it (standardized for tables).
 */
export function packageModel(float32Bytes: Uint8Array, dataset: LoadedDataset, representative: Float32Array[], name: string, features: MotionFeatures = 'raw'): ModelFiles {
  const model = parseModel(float32Bytes);
  const { metadata, files } = metadataFor(dataset, name, features, model.tensors[model.inputs[0]].shape);
  const int8 = quantizeInt8(model, { representativeData: representative, floatOperators: int8FloatOperators(model) });
  // After quantizing, so the int8 graph and its calibration are those of the standardized input.
  const shipped = (m: TfliteModel) => (dataset.kind === 'tabular' ? withInputStandardization(m, dataset.featureScaling!) : m);
  return { float32: serializeWithMetadata(shipped(model), metadata, files), int8: serializeWithMetadata(shipped(int8), metadata, files) };
}

/**
 * Samples as the shipped files take them, from the view the model was trained on: table rows back to raw values
 * (x · std + mean), since `packageModel` puts the standardization inside the file; other kinds as they are.
 */
export function fileInputs(x: Float32Array, dataset: Pick<LoadedDataset, 'kind' | 'featureScaling'>): Float32Array {
  if (dataset.kind !== 'tabular') return x;
  const { mean, std } = dataset.featureScaling!;
  return x.map((value, i) => value * std[i % mean.length] + mean[i % mean.length]);
}

export function metadataFor(dataset: LoadedDataset, name: string, features: MotionFeatures, inputShape: number[]): { metadata: ModelMetadata; files: Record<string, Uint8Array> } {
  const common = { name, description: `Offgrid ${dataset.kind} classifier (${dataset.labels.length} labels)`, version: '1', author: 'Offgrid', license: 'Proprietary: trained on your own data' };
  const labels = dataset.labels;
  if (dataset.kind === 'image') {
    const { mean, std } = dataset.imageNormalization!;
    return imageClassifierMetadata({ ...common, labels, inputShape: [1, ...dataset.shape], normalization: { mean: [mean], std: [std] } });
  }
  if (dataset.kind === 'text') {
    const { vocabulary, charNgrams } = dataset.preprocessing!.text!;
    return textClassifierMetadata({ ...common, labels, vocabulary, charNgrams, inputShape, delimRegexPattern: TEXT_DELIM_PATTERN });
  }
  if (dataset.kind === 'motion' && features === 'spectral') {
    return featureClassifierMetadata({ ...common, labels, features: featureDescriptions(dataset, features), inputShape });
  }
  const input: TensorMetadata = dataset.kind === 'tabular'
    ? {
      name: 'features', description: `Raw feature values, in order: ${dataset.featureNames!.join(', ')} (the model standardizes them itself)`, content: { kind: 'feature' },
      normalization: identityScaling(dataset.featureNames!.length),
    }
    : { name: dataset.kind === 'audio' ? 'log_mel' : 'window', description: inputDescription(dataset, features), content: { kind: 'feature' } };
  const metadata: ModelMetadata = {
    ...common,
    inputs: [input],
    outputs: [{ name: 'probabilities', description: 'Probability of each label', content: { kind: 'feature' }, associatedFiles: [{ name: LABELS_FILE, description: 'Labels in output order', type: 'TENSOR_AXIS_LABELS' }] }],
  };
  return { metadata, files: { [LABELS_FILE]: new TextEncoder().encode(labels.join('\n') + '\n') } };
}

/** What a caller applies to a table row before a model that standardizes inside: nothing, (x − 0) / 1 per column. */
export function identityScaling(columns: number): { mean: number[]; std: number[] } {
  return { mean: new Array<number>(columns).fill(0), std: new Array<number>(columns).fill(1) };
}

export interface TestEvaluation {
  float32: ClassificationReport;
  int8: ClassificationReport;
  /** Share of test samples on which int8 and float32 pick the same label. */
  agreement: number;
}

/**
 * Runs both files through LiteRT.js (the official runtime) on the held-out samples. `data.x` holds the samples as
 * the model takes them (a ModelView); token ids go in as int32 where the model's input is int32.
 */
export async function evaluateOnTest(files: ModelFiles, data: Pick<LoadedDataset, 'x' | 'targets' | 'labels'>, testIndices: number[]): Promise<TestEvaluation> {
  const numClasses = data.labels.length;
  const predict = async (bytes: Uint8Array) => {
    const asInput = inputConverter(bytes);
    const session = await TfliteSession.create(bytes);
    try {
      const size = data.x.length / data.targets.length;
      const predicted: number[] = [];
      for (const index of testIndices) {
        const [scores] = await session.run([asInput(data.x.subarray(index * size, (index + 1) * size))]);
        let best = 0;
        for (let c = 1; c < scores.length; c++) if (scores[c] > scores[best]) best = c;
        predicted.push(best);
      }
      return predicted;
    } finally {
      session.close();
    }
  };
  const truth = testIndices.map((i) => data.targets[i]);
  const float32 = await predict(files.float32);
  const int8 = await predict(files.int8);
  const agreement = float32.filter((p, i) => p === int8[i]).length / Math.max(1, float32.length);
  return { float32: classificationReport(float32, truth, numClasses), int8: classificationReport(int8, truth, numClasses), agreement };
}

/** Float32 samples as the model's first input takes them: Int32Array for int32 inputs (token ids), else as they are. */
export function inputConverter(modelBytes: Uint8Array): (sample: Float32Array) => ModelInput {
  const model = parseModel(modelBytes);
  return model.tensors[model.inputs[0]].dtype === 'int32' ? (sample) => Int32Array.from(sample) : (sample) => sample;
}

export const CALIBRATION_SAMPLES = 200;

/** Up to 200 training samples for int8 calibration (small datasets repeat theirs: calibration wants ≥ 100). */
export function calibrationSamples(x: Float32Array, count: number, trainIndices: number[], random: { next(): number }): Float32Array[] {
  const size = x.length / count;
  const pool = [...trainIndices];
  const picked: Float32Array[] = [];
  while (picked.length < CALIBRATION_SAMPLES && pool.length > 0) {
    const [index] = pool.splice(Math.floor(random.next() * pool.length), 1);
    picked.push(x.slice(index * size, (index + 1) * size));
  }
  for (let i = 0; picked.length < CALIBRATION_SAMPLES && i < picked.length; i++) picked.push(picked[i]);
  return picked;
}
