// Turns a classifier output into probabilities and picks the top label.

export interface TopPrediction {
  index: number;
  label: string;
  confidence: number;
}

export function softmax(logits: ArrayLike<number>): Float32Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const out = new Float32Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    out[i] = Math.exp(logits[i] - max);
    sum += out[i];
  }
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

/** Our models end in a softmax; applies one only when the output is not already a probability vector. */
export function toProbabilities(output: ArrayLike<number>): Float32Array {
  let sum = 0;
  let inRange = true;
  for (let i = 0; i < output.length; i++) {
    sum += output[i];
    if (!(output[i] >= 0 && output[i] <= 1)) inRange = false;
  }
  return inRange && Math.abs(sum - 1) < 1e-3 ? Float32Array.from(output) : softmax(output);
}

export function topPrediction(probabilities: ArrayLike<number>, labels: readonly string[]): TopPrediction {
  if (probabilities.length === 0) throw new Error('The model returned no scores.');
  let index = 0;
  for (let i = 1; i < probabilities.length; i++) if (probabilities[i] > probabilities[index]) index = i;
  return { index, label: labels[index] ?? `class ${index}`, confidence: probabilities[index] };
}
