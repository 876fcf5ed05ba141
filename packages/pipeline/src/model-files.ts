import { classificationReport, type ClassificationReport } from '@offgrid/engine';
import {
  imageClassifierMetadata, LABELS_FILE, parseModel, quantizeInt8, serializeWithMetadata, TfliteSession,
  type ModelMetadata,
} from '@offgrid/tflite';
import type { LoadedDataset } from '@offgrid/engine/data';

export interface ModelFiles {
  float32: Uint8Array;
  int8: Uint8Array;
}

/**
 * The shipped files: float32 as trained, and full-integer int8 (float32 I/O, which LiteRT.js and the
 * Task Library accept) calibrated on training samples; both carry labels and input normalization.
 */
export function packageModel(float32Bytes: Uint8Array, dataset: LoadedDataset, representative: Float32Array[], name: string): ModelFiles {
  const model = parseModel(float32Bytes);
  const { metadata, files } = metadataFor(dataset, name);
  return {
    float32: serializeWithMetadata(model, metadata, files),
    int8: serializeWithMetadata(quantizeInt8(model, { representativeData: representative }), metadata, files),
  };
}

function metadataFor(dataset: LoadedDataset, name: string): { metadata: ModelMetadata; files: Record<string, Uint8Array> } {
  const common = { name, description: `Offgrid ${dataset.kind} classifier (${dataset.labels.length} labels)`, version: '1', author: 'Offgrid', license: 'Proprietary: trained on your own data' };
  if (dataset.kind === 'image') {
    const { mean, std } = dataset.imageNormalization!;
    return imageClassifierMetadata({ ...common, labels: dataset.labels, inputShape: [1, ...dataset.shape], normalization: { mean: [mean], std: [std] } });
  }
  const labels = new TextEncoder().encode(dataset.labels.join('\n') + '\n');
  const metadata: ModelMetadata = {
    ...common,
    inputs: [{
      name: 'features',
      description: `Standardized features, in order: ${dataset.featureNames!.join(', ')}`,
      content: { kind: 'feature' },
      normalization: dataset.featureScaling,
    }],
    outputs: [{ name: 'probabilities', description: 'Probability of each label', content: { kind: 'feature' }, associatedFiles: [{ name: LABELS_FILE, description: 'Labels in output order', type: 'TENSOR_AXIS_LABELS' }] }],
  };
  return { metadata, files: { [LABELS_FILE]: labels } };
}

export interface TestEvaluation {
  float32: ClassificationReport;
  int8: ClassificationReport;
  /** Share of test samples on which int8 and float32 pick the same label. */
  agreement: number;
}

/** Runs both files through LiteRT.js (the official runtime) on the held-out samples. */
export async function evaluateOnTest(files: ModelFiles, dataset: LoadedDataset, testIndices: number[]): Promise<TestEvaluation> {
  const numClasses = dataset.labels.length;
  const predict = async (bytes: Uint8Array) => {
    const session = await TfliteSession.create(bytes);
    try {
      const size = dataset.x.length / dataset.targets.length;
      const predicted: number[] = [];
      for (const index of testIndices) {
        const [scores] = await session.run([dataset.x.subarray(index * size, (index + 1) * size)]);
        let best = 0;
        for (let c = 1; c < scores.length; c++) if (scores[c] > scores[best]) best = c;
        predicted.push(best);
      }
      return predicted;
    } finally {
      session.close();
    }
  };
  const truth = testIndices.map((i) => dataset.targets[i]);
  const float32 = await predict(files.float32);
  const int8 = await predict(files.int8);
  const agreement = float32.filter((p, i) => p === int8[i]).length / Math.max(1, float32.length);
  return { float32: classificationReport(float32, truth, numClasses), int8: classificationReport(int8, truth, numClasses), agreement };
}
