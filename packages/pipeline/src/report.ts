import type { LoadedDataset } from '@offgrid/engine/data';
import type { AcceleratorFallback } from '@offgrid/engine';
import type { TransferSummary } from './transfer.ts';
import type { AudioSpec, Modality, MotionSpec, TextSpec, Task } from '@offgrid/features';

/** Motion models take the normalized window itself (`raw`) or its `spectralFeatures` (`spectral`). */
export type MotionFeatures = 'raw' | 'spectral';

/**
 * What the phone (and `offgrid predict`) must run to turn a sample into the model's input, exactly as training
 * did: one entry, for the model's kind (docs/modalities.md).
 */
export interface InputPreprocessing {
  /** 0–255 RGB pixels resized to width×height, then (pixel - mean) / std. */
  image?: { width: number; height: number; mean: number; std: number };
  /** `preprocessAudio` with this spec (normalization included); anomaly models take the log-mel flattened. */
  audio?: AudioSpec;
  /** `motionWindows` with this spec (normalization included), then `spectralFeatures` when `features` is 'spectral'. */
  motion?: MotionSpec & { features: MotionFeatures };
  /** `encodeText(text, vocabulary, seqLength)`: int32 token ids. */
  text?: TextSpec & { vocabulary: string[] };
  /** Columns in this order, each standardized: (value - mean) / std. */
  tabular?: { featureNames: string[]; mean: number[]; std: number[] };
}

/** Anomaly tasks: how the shipped threshold behaves on data the detector never trained on. */
export interface AnomalyMetrics {
  /** Score above which the float32 model raises an alarm (calibrated on held-out normal data). */
  threshold: number;
  /** The same for the int8 model, whose scores differ slightly. */
  thresholdInt8: number;
  falseAlarmRate: number;
  /** Held-out normal test samples (whole recordings): share of them each variant flags (fractions 0–1). */
  heldOutNormal: { samples: number; falseAlarmsFloat32: number; falseAlarmsInt8: number };
  /** Samples of the other labels: share of them each variant flags (fractions 0–1). */
  knownAnomalies?: { samples: number; detectedFloat32: number; detectedInt8: number };
  /** Of the int8 scores, held-out normal vs known anomalies (1 = every anomaly scores above every normal sample). */
  auroc?: number;
  /** int8 scores of the test samples in `bins` equal-width bins from `min` to `max`, for the report's histogram. */
  scoreHistogram: { min: number; max: number; normal: number[]; knownAnomalies: number[] };
}

/** What `offgrid train` writes to report.json, and what report.html shows. */
/**
 * What the splits kept together: `none` (every sample on its own: samples of one person, session or recording may sit
 * on both sides, so validation and test accuracy can flatter), one `recording`'s windows, or the groups a `pattern`
 * over file paths named (`offgrid train --group-by`). `groups`: how many there were.
 */
export interface SplitGrouping { by: 'none' | 'recording' | 'pattern'; pattern?: string; groups?: number }

export interface TrainReport {
  createdAt: string;
  task: Task;
  input: {
    source: string;
    kind: Modality;
    /** One model input without the batch dimension (motion spectral: [features]; anomaly: [features] flattened). */
    shape: number[];
    /** int32 for text (token ids). */
    dtype: 'float32' | 'int32';
    preprocessing: InputPreprocessing;
    /** Images (kept for older readers; also in `preprocessing.image`): (pixel - mean) / std. */
    normalization?: { mean: number; std: number };
    /** Tables (kept for older readers; also in `preprocessing.tabular`): per-column standardization, in column order. */
    featureNames?: string[];
    featureScaling?: { mean: number[]; std: number[] };
  };
  labels: string[];
  /**
   * Classify: trials split train+validation 80/20 inside the trainer; `searchSamples` of them were used by the
   * search. With `folds` (small tables), trials were cross-validated: each fold model trained on `train` samples and
   * every one of the `validation` (= `searchSamples`) samples was validated once. Anomaly: `train` normal samples
   * fitted, `validation` normal samples that set the threshold, `test` = held-out normal + known anomalies.
   */
  split: { train: number; validation: number; test: number; searchSamples: number; seed: number; folds?: number; grouping?: SplitGrouping };
  budgetSeconds: number;
  elapsedSeconds: number;
  /** `retrained`: on train+validation after the search; otherwise the trial's own model ships (budget too short). */
  winner: { trialNumber: number; family: string; config: Record<string, unknown>; epochs: number; retrained: boolean; macs?: number };
  /** What the trials were ranked by, and the limits they had to meet. */
  search?: { objective: 'float32' | 'int8'; limits?: { maxInt8Kb?: number; maxMacs?: number } };
  /**
   * Image searches given the image files: whether the transfer family (a head over a frozen backbone) competed, why
   * not, and what its embedding pass cost (charged to the search). A transfer winner's `input` is the backbone's.
   */
  transfer?: TransferSummary;
  /**
   * What the trials trained on, and why (absent in reports from before accelerators were chosen). `fallback`: WebGPU
   * failed during the search (what, when, during which training); that training and all after it ran on wasm.
   */
  accelerator?: { backend: 'wasm' | 'webgpu'; reason: string; fallback?: AcceleratorFallback };
  metrics: {
    /** Anomaly: share of the threshold-setting normal samples under the float32 threshold. */
    validation: { accuracy: number };
    /** Anomaly: the normal-vs-anomaly decision at each variant's threshold, labels `normal`, `anomaly`. */
    test: { float32: EvaluationSummary; int8: EvaluationSummary };
    int8AgreementWithFloat32: number;
    anomaly?: AnomalyMetrics;
  };
  sizes: { float32Bytes: number; int8Bytes: number; int8Ratio: number };
  trials: TrialSummary[];
}

export interface EvaluationSummary {
  accuracy: number;
  macroF1: number;
  perClass: { label: string; precision: number; recall: number }[];
  /** confusion[actual][predicted] */
  confusion: number[][];
}

export interface TrialSummary {
  number: number;
  family: string;
  config: Record<string, unknown>;
  status: string;
  /** The search's objective: float32 validation accuracy, or the int8 file's with `search.objective` 'int8'. */
  valAccuracy?: number;
  /** Multiply-accumulates per inference of the trial's model (`countMacs`). */
  macs?: number;
  /** Its int8 file, KiB (measured when a size limit or the int8 objective asked for it). */
  int8SizeKb?: number;
  /** Why it failed or was infeasible (over a limit). */
  error?: string;
  /** ISO time the trial first started (a resumed search keeps it: the trial was not run again). */
  startedAt: string;
  seconds?: number;
  history: { epoch: number; loss?: number; valLoss?: number; accuracy?: number; valAccuracy?: number }[];
}

/** What the splits kept together, for the report. */
export function groupingOf(dataset: Pick<LoadedDataset, 'groups' | 'groupedBy'>): SplitGrouping {
  if (!dataset.groups) return { by: 'none' };
  const groups = new Set(dataset.groups).size;
  const groupedBy = dataset.groupedBy ?? { by: 'recording' };
  return groupedBy.by === 'pattern' ? { by: 'pattern', pattern: groupedBy.pattern, groups } : { by: 'recording', groups };
}
