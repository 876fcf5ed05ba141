/**
 * Classification metrics as a pure function of predictions and labels: used for the TF.js model
 * and for TFLite outputs alike (no tensors, no backend).
 */
export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** True samples of this class. */
  support: number;
}

export interface ClassificationReport {
  count: number;
  accuracy: number;
  /** Unweighted mean of the per-class F1 over classes with support or predictions. */
  macroF1: number;
  perClass: ClassMetrics[];
  /** confusion[true][predicted]. */
  confusion: number[][];
}

/**
 * `predictions` is either one predicted class per sample, or `labels.length × numClasses` scores
 * (probabilities or logits, row-major) whose arg-max is taken (first maximum on ties).
 * Precision/recall of a class with no predictions/samples is 0, as scikit-learn's zero_division=0.
 */
export function classificationReport(predictions: ArrayLike<number>, labels: ArrayLike<number>, numClasses: number): ClassificationReport {
  const n = labels.length;
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`numClasses must be a positive integer (got ${numClasses}).`);
  let predicted: ArrayLike<number>;
  if (predictions.length === n) predicted = predictions;
  else if (predictions.length === n * numClasses) predicted = argMaxRows(predictions, numClasses);
  else throw new Error(`predictions has ${predictions.length} values; expected ${n} classes or ${n}×${numClasses} scores.`);

  const confusion = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const t = labels[i];
    const p = predicted[i];
    if (!(Number.isInteger(t) && t >= 0 && t < numClasses)) throw new Error(`label ${i} is ${t}; expected an integer in [0, ${numClasses}).`);
    if (!(Number.isInteger(p) && p >= 0 && p < numClasses)) throw new Error(`prediction ${i} is ${p}; expected an integer in [0, ${numClasses}).`);
    confusion[t][p]++;
    if (t === p) correct++;
  }
  const perClass = confusion.map((row, c) => {
    const tp = row[c];
    const support = row.reduce((a, b) => a + b, 0);
    const predictedCount = confusion.reduce((a, r) => a + r[c], 0);
    const precision = predictedCount ? tp / predictedCount : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { precision, recall, f1, support, predictedCount };
  });
  const present = perClass.filter((m) => m.support > 0 || m.predictedCount > 0);
  return {
    count: n,
    accuracy: n ? correct / n : 0,
    macroF1: present.length ? present.reduce((a, m) => a + m.f1, 0) / present.length : 0,
    perClass: perClass.map(({ precision, recall, f1, support }) => ({ precision, recall, f1, support })),
    confusion,
  };
}

export function argMaxRows(scores: ArrayLike<number>, columns: number): Int32Array {
  const rows = scores.length / columns;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < columns; c++) if (scores[r * columns + c] > scores[r * columns + best]) best = c;
    out[r] = best;
  }
  return out;
}
