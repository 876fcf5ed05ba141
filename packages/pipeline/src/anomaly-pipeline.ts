/**
 * The anomaly task: learn what `normal` samples look like and flag the rest. A dense autoencoder
 * (`trainAnomalyDetector`) is fitted on normal training samples only, its threshold calibrated on held-out normal
 * recordings for the false-alarm rate, and the shipped files are scored through LiteRT.js on normal test samples
 * it never saw (false alarms) and on the samples of every other label (known anomalies: detections).
 *
 * What the detector sees per kind (a feature vector; the exported model standardizes it again itself):
 * - tabular: the standardized row, as the classifier gets it; the shipped files take the raw row, with the
 *   dataset's standardization put in front of them as for classifiers (`withInputStandardization`);
 * - motion: `spectralFeatures` of each window — per channel mean, spread and band energies: a short vector
 *   (60 values for 6 channels), robust to where in the window a movement starts and cheap on the phone, where a
 *   raw window (600 values) would make the autoencoder reconstruct phase, which is noise for "is this normal";
 * - audio: the normalized log-mel flattened — the input the phone already computes for audio models, so no
 *   new featurization is needed there (per-band statistics would be smaller but a second contract to keep).
 * One configuration, no search: the bottleneck is sized from the feature count (an eighth, 2–16 units).
 */
import { auroc, classificationReport, createRandom, groupedStratifiedSplit, scoreWithTflite, trainAnomalyInWorker, TrainingFailure } from '@offgrid/engine';
import type { LoadedDataset } from '@offgrid/engine/data';
import { parseModel, readMetadata, serializeWithMetadata, withInputStandardization, type FeatureDescription } from '@offgrid/tflite';
import { encodeProbes, NORMAL_LABEL } from '@offgrid/features';
import { fileInputs, identityScaling, type ModelFiles } from './model-files.ts';
import { featureDescriptions, inputPreprocessing, spectralMatrix } from './model-input.ts';
import { groupingOf, type AnomalyMetrics, type MotionFeatures, type TrainReport, type TrialSummary } from './report.ts';
import { holdOutTest, summary, type TrainPipelineOptions } from './train-pipeline.ts';

const DEFAULT_FALSE_ALARM_RATE = 0.01;
/** Share of the normal training samples (whole recordings) that sets the threshold. */
const CALIBRATION_FRACTION = 0.25;
const HISTOGRAM_BINS = 30;

/** Feature vectors of every sample of `dataset`, as the detector takes them. */
export function anomalyFeatures(dataset: LoadedDataset): { x: Float32Array; features: MotionFeatures; size: number } {
  const size = dataset.x.length / Math.max(1, dataset.targets.length);
  switch (dataset.kind) {
    case 'tabular':
    case 'audio':
      return { x: dataset.x, features: 'raw', size };
    case 'motion': {
      const x = spectralMatrix(dataset);
      return { x, features: 'spectral', size: x.length / dataset.targets.length };
    }
    default:
      throw new TrainingFailure('DATA_UNUSABLE', `Anomaly detection takes tabular, motion or audio data, not ${dataset.kind}.`);
  }
}

export async function trainAnomalyPipeline(dataset: LoadedDataset, options: TrainPipelineOptions): Promise<{ files: ModelFiles; report: TrainReport }> {
  const started = Date.now();
  const emit = options.onEvent ?? (() => {});
  const falseAlarmRate = options.falseAlarmRate ?? DEFAULT_FALSE_ALARM_RATE;
  if (!(falseAlarmRate > 0 && falseAlarmRate < 0.5)) throw new Error(`falseAlarmRate must be between 0 and 0.5 (got ${falseAlarmRate}).`);
  const normal = dataset.labels.indexOf(NORMAL_LABEL);
  if (normal < 0) throw new TrainingFailure('DATA_UNUSABLE', `Anomaly detection learns from samples labelled "${NORMAL_LABEL}"; this data has the labels ${dataset.labels.join(', ')}.`);
  const random = createRandom(options.seed);
  const { x, features, size } = anomalyFeatures(dataset);
  const normalIndices = indicesWhere(dataset, (t) => t === normal);

  // Normal samples split into train and test by recording; known anomalies are every other sample of the test data.
  const testData = options.testData ?? dataset;
  const testNormalLabel = testData.labels.indexOf(NORMAL_LABEL);
  let trainNormal: number[];
  let testNormal: number[];
  if (options.testData) {
    trainNormal = normalIndices;
    testNormal = indicesWhere(testData, (t) => t === testNormalLabel);
  } else {
    const split = holdOutTest({ targets: normalIndices.map(() => 0), groups: dataset.groups && normalIndices.map((i) => dataset.groups![i]) }, random);
    trainNormal = split.trainIndices.map((i) => normalIndices[i]);
    testNormal = split.testIndices.map((i) => normalIndices[i]);
  }
  const knownAnomalies = indicesWhere(testData, (t) => t !== testNormalLabel);
  const testX = options.testData ? anomalyFeatures(testData).x : x;
  if (testNormal.length === 0) throw new TrainingFailure('NOT_ENOUGH_DATA', `No "${NORMAL_LABEL}" samples are left to test the threshold on: give more normal recordings or a test set with normal samples.`);

  const trainX = gather(x, size, trainNormal);
  const calibration = groupedStratifiedSplit(trainNormal.map(() => 0), dataset.groups && trainNormal.map((i) => dataset.groups![i]), CALIBRATION_FRACTION, random).validationIndices;
  // tanh for short vectors: a ReLU bottleneck of 2–3 units often has a dead unit, a constant-zero activation whose
  // int8 scale LiteRT's XNNPACK refuses ("failed to create XNNPACK runtime"; seen on a 2-column table).
  const config = { layers: 2, bottleneck: Math.max(2, Math.min(16, Math.round(size / 8))), activation: size < 16 ? 'tanh' : 'relu' };
  const configSummary = { family: 'autoencoder', ...config };
  emit({ type: 'phase', phase: 'searching', detail: `autoencoder on ${trainNormal.length} normal samples of ${size} features` });
  emit({ type: 'search', event: { type: 'trialStarted', trialNumber: 0, config: configSummary, rung: 0, resource: 0, resumed: false } });
  const history: TrialSummary['history'] = [];
  const reserveSeconds = 3 + (trainNormal.length + testNormal.length + knownAnomalies.length) * 0.002;
  const detector = await trainAnomalyInWorker({
    x: trainX, shape: [size], falseAlarmRate, seed: options.seed, config, heldOutIndices: calibration,
    budgetSeconds: Math.max(1, options.budgetSeconds - (Date.now() - started) / 1000 - reserveSeconds),
    features: describe(dataset, features, fileInputs(trainX, dataset), size), name: options.name, signal: options.signal,
    onProgress: (progress) => {
      if (progress.phase === 'training') {
        history.push({ epoch: progress.epoch, loss: progress.loss, valLoss: progress.valLoss });
        emit({ type: 'search', event: { type: 'epochReported', trialNumber: 0, step: progress.epoch, metrics: { valLoss: progress.valLoss ?? 0 } } });
      }
      if (progress.phase === 'exporting') emit({ type: 'phase', phase: 'quantizing', detail: 'int8 autoencoder with a float32 score tail; thresholds per variant' });
      emit({ type: 'trialProgress', trialNumber: 0, family: 'autoencoder', progress });
    },
  });
  // From here on, samples as the shipped files take them (raw table rows).
  const shipped = (bytes: Uint8Array) => (dataset.kind === 'tabular' ? standardizingInside(bytes, dataset.featureScaling!) : bytes);
  const [testInputs, trainInputs] = [fileInputs(testX, dataset), fileInputs(trainX, dataset)];
  const files: ModelFiles = {
    float32: shipped(detector.float32), int8: shipped(detector.int8),
    probes: encodeProbes(testInputs, testInputs.length / size, [...testNormal, ...knownAnomalies], [size], 'float32'),
  };

  emit({ type: 'phase', phase: 'evaluating', detail: `${testNormal.length} held-out normal and ${knownAnomalies.length} known anomalous samples through LiteRT.js` });
  const samplesOf = (from: Float32Array, indices: number[]) => indices.map((i) => from.subarray(i * size, (i + 1) * size));
  const score = async (bytes: Uint8Array, indices: number[]) => Array.from(await scoreWithTflite(bytes, samplesOf(testInputs, indices)));
  const scores = {
    float32: { normal: await score(files.float32, testNormal), anomalies: await score(files.float32, knownAnomalies) },
    int8: { normal: await score(files.int8, testNormal), anomalies: await score(files.int8, knownAnomalies) },
  };
  const calibrationScores = await scoreWithTflite(files.float32, samplesOf(trainInputs, calibration));
  const above = (list: number[], threshold: number) => list.filter((s) => s > threshold).length / Math.max(1, list.length);
  const anomaly: AnomalyMetrics = {
    threshold: detector.threshold, thresholdInt8: detector.thresholdInt8, falseAlarmRate,
    heldOutNormal: { samples: testNormal.length, falseAlarmsFloat32: above(scores.float32.normal, detector.threshold), falseAlarmsInt8: above(scores.int8.normal, detector.thresholdInt8) },
    ...(knownAnomalies.length > 0 ? {
      knownAnomalies: { samples: knownAnomalies.length, detectedFloat32: above(scores.float32.anomalies, detector.threshold), detectedInt8: above(scores.int8.anomalies, detector.thresholdInt8) },
      auroc: auroc(scores.int8.normal, scores.int8.anomalies),
    } : {}),
    scoreHistogram: histogram(scores.int8.normal, scores.int8.anomalies, detector.thresholdInt8),
  };
  // The alarm decision as a two-label classification (normal, anomaly), so the usual test summary applies.
  const truth = [...testNormal.map(() => 0), ...knownAnomalies.map(() => 1)];
  const decide = (list: { normal: number[]; anomalies: number[] }, threshold: number) => [...list.normal, ...list.anomalies].map((s) => (s > threshold ? 1 : 0));
  const [float32Decisions, int8Decisions] = [decide(scores.float32, detector.threshold), decide(scores.int8, detector.thresholdInt8)];
  const decisionLabels = [NORMAL_LABEL, 'anomaly'];
  const validationAccuracy = 1 - above(Array.from(calibrationScores), detector.threshold);
  const seconds = (Date.now() - started) / 1000;
  emit({ type: 'search', event: { type: 'trialFinished', trialNumber: 0, status: 'completed', value: validationAccuracy } });

  const tableScaling = dataset.featureNames && identityScaling(dataset.featureNames.length);
  const report: TrainReport = {
    createdAt: new Date().toISOString(),
    task: 'anomaly',
    input: {
      source: options.source, kind: dataset.kind, shape: [size], dtype: 'float32',
      preprocessing: inputPreprocessing(dataset, features, tableScaling),
      ...(dataset.featureNames ? { featureNames: dataset.featureNames, featureScaling: tableScaling } : {}),
    },
    labels: dataset.labels,
    split: { train: trainNormal.length - calibration.length, validation: calibration.length, test: truth.length, searchSamples: trainNormal.length, seed: options.seed, grouping: groupingOf(dataset) },
    budgetSeconds: options.budgetSeconds,
    elapsedSeconds: seconds,
    winner: { trialNumber: 0, family: 'autoencoder', config: configSummary, epochs: detector.epochs, retrained: false },
    // The anomaly pipeline takes no accelerator: its autoencoder always trains on wasm.
    accelerator: { backend: 'wasm', reason: 'wasm (anomaly detectors train on wasm)' },
    metrics: {
      validation: { accuracy: validationAccuracy },
      test: { float32: summary(classificationReport(float32Decisions, truth, 2), decisionLabels), int8: summary(classificationReport(int8Decisions, truth, 2), decisionLabels) },
      int8AgreementWithFloat32: float32Decisions.filter((d, i) => d === int8Decisions[i]).length / Math.max(1, truth.length),
      anomaly,
    },
    sizes: { float32Bytes: files.float32.byteLength, int8Bytes: files.int8.byteLength, int8Ratio: files.int8.byteLength / files.float32.byteLength },
    trials: [{
      number: 0, family: 'autoencoder', config: configSummary, status: `completed, ${detector.stoppedBy} (winner)`, valAccuracy: validationAccuracy,
      startedAt: new Date(started).toISOString(), seconds, history,
    }],
  };
  return { files, report };
}

/** A detector file (metadata and all) taking raw table rows: the dataset's standardization goes in front of it. */
function standardizingInside(bytes: Uint8Array, scaling: { mean: number[]; std: number[] }): Uint8Array {
  const { metadata, files } = readMetadata(bytes);
  return serializeWithMetadata(withInputStandardization(parseModel(bytes), scaling), metadata!, Object.fromEntries(files));
}

function indicesWhere(dataset: LoadedDataset, keep: (target: number) => boolean): number[] {
  const out: number[] = [];
  dataset.targets.forEach((t, i) => { if (keep(t)) out.push(i); });
  return out;
}

function gather(x: Float32Array, size: number, indices: number[]): Float32Array {
  const out = new Float32Array(indices.length * size);
  indices.forEach((index, i) => out.set(x.subarray(index * size, (index + 1) * size), i * size));
  return out;
}

/** Feature names and units for the metadata, with the ranges seen in the normal training data. */
function describe(dataset: LoadedDataset, features: MotionFeatures, x: Float32Array, size: number): FeatureDescription[] {
  return featureDescriptions(dataset, features).map((description, f) => {
    let [min, max] = [Infinity, -Infinity];
    for (let i = f; i < x.length; i += size) [min, max] = [Math.min(min, x[i]), Math.max(max, x[i])];
    return { ...description, min, max };
  });
}

/** Equal-width bins from the lowest score to three thresholds (or the normal scores' top); the last bin takes everything above. */
function histogram(normal: number[], anomalies: number[], threshold: number): AnomalyMetrics['scoreHistogram'] {
  const all = [...normal, ...anomalies];
  const min = Math.min(...all);
  const max = Math.max(threshold * 3, ...normal);
  const count = (list: number[]) => {
    const bins = new Array<number>(HISTOGRAM_BINS).fill(0);
    for (const s of list) bins[Math.min(HISTOGRAM_BINS - 1, Math.max(0, Math.floor(((s - min) / Math.max(1e-12, max - min)) * HISTOGRAM_BINS)))]++;
    return bins;
  };
  return { min, max, normal: count(normal), knownAnomalies: count(anomalies) };
}
