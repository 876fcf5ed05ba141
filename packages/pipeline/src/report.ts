/** What `offgrid train` writes to report.json, and what report.html shows. */
export interface TrainReport {
  createdAt: string;
  input: {
    source: string;
    kind: 'image' | 'tabular';
    shape: number[];
    dtype: 'float32';
    /** Images: applied to 0–255 RGB pixels, (pixel - mean) / std. */
    normalization?: { mean: number; std: number };
    /** Tables: per-column standardization, in column order. */
    featureNames?: string[];
    featureScaling?: { mean: number[]; std: number[] };
  };
  labels: string[];
  /** Trials split train+validation 80/20 inside the trainer; `searchSamples` of them were used by the search. */
  split: { train: number; validation: number; test: number; searchSamples: number; seed: number };
  budgetSeconds: number;
  elapsedSeconds: number;
  /** `retrained`: on train+validation after the search; otherwise the trial's own model ships (budget too short). */
  winner: { trialNumber: number; family: string; config: Record<string, unknown>; epochs: number; retrained: boolean };
  metrics: {
    validation: { accuracy: number };
    test: { float32: EvaluationSummary; int8: EvaluationSummary };
    int8AgreementWithFloat32: number;
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
  valAccuracy?: number;
  /** ISO time the trial first started (a resumed search keeps it: the trial was not run again). */
  startedAt: string;
  seconds?: number;
  history: { epoch: number; loss?: number; valLoss?: number; accuracy?: number; valAccuracy?: number }[];
}
