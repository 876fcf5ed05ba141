/**
 * The classifier head: one dense layer over the trunk's embedding, laid out as TFLite's FULLY_CONNECTED
 * stores it (weights `[numClasses][inputSize]` row-major, one bias per class), so a head read from a
 * .tflite file, trained here and written back needs no transposes.
 */
import { createRandom } from '@offgrid/features';

export interface Head {
  inputSize: number;
  numClasses: number;
  /** `[numClasses][inputSize]` row-major: row c holds the weights of class c (TFLite FULLY_CONNECTED). */
  weights: Float32Array;
  /** `[numClasses]`. */
  bias: Float32Array;
}

export interface HeadEvaluation {
  count: number;
  correct: number;
  /** correct / count. */
  accuracy: number;
  /** Mean cross-entropy (natural log) of the softmax over the logits. */
  loss: number;
}

/**
 * A new head: all zeros (the usual start of a federated run: every phone begins from the same point),
 * or, given a seed, uniform in ±scale (default the Glorot limit sqrt(6 / (inputSize + numClasses))) with zero bias.
 */
export function createHead(inputSize: number, numClasses: number, options: { seed?: number; scale?: number } = {}): Head {
  checkSizes(inputSize, numClasses);
  const weights = new Float32Array(numClasses * inputSize);
  if (options.seed !== undefined) {
    const scale = options.scale ?? Math.sqrt(6 / (inputSize + numClasses));
    const random = createRandom(options.seed);
    for (let i = 0; i < weights.length; i++) weights[i] = (2 * random.next() - 1) * scale;
  }
  return { inputSize, numClasses, weights, bias: new Float32Array(numClasses) };
}

export function cloneHead(head: Head): Head {
  return { inputSize: head.inputSize, numClasses: head.numClasses, weights: head.weights.slice(), bias: head.bias.slice() };
}

/**
 * Throws unless the head is well formed: positive integer sizes, Float32Arrays of matching lengths
 * and, when `finite` (the default), finite numbers only.
 */
export function validateHead(head: Head, name = 'head', finite = true): void {
  checkSizes(head.inputSize, head.numClasses, name);
  if (!(head.weights instanceof Float32Array) || head.weights.length !== head.numClasses * head.inputSize) {
    throw new Error(`${name}.weights must be a Float32Array of numClasses × inputSize = ${head.numClasses * head.inputSize} numbers ([numClasses][inputSize] row-major); got ${describeArray(head.weights)}`);
  }
  if (!(head.bias instanceof Float32Array) || head.bias.length !== head.numClasses) {
    throw new Error(`${name}.bias must be a Float32Array of numClasses = ${head.numClasses} numbers; got ${describeArray(head.bias)}`);
  }
  if (!finite) return;
  const bad = firstNonFinite(head.weights);
  if (bad >= 0) throw new Error(`${name}.weights[${bad}] is ${head.weights[bad]}: a head must hold finite numbers (was it trained with too high a learning rate?)`);
  const badBias = firstNonFinite(head.bias);
  if (badBias >= 0) throw new Error(`${name}.bias[${badBias}] is ${head.bias[badBias]}: a head must hold finite numbers`);
}

/** The logits W·x + b of one embedding (`inputSize` numbers), into `out` when given. */
export function headLogits(head: Head, embedding: ArrayLike<number>, out: Float32Array = new Float32Array(head.numClasses)): Float32Array {
  if (embedding.length !== head.inputSize) {
    throw new Error(`headLogits: the embedding has ${embedding.length} numbers but the head takes ${head.inputSize} (inputSize)`);
  }
  if (out.length < head.numClasses) throw new Error(`headLogits: out holds ${out.length} numbers, the head has ${head.numClasses} classes`);
  logitsAt(head, embedding, 0, out);
  return out;
}

/** The softmax of the logits (stable: the largest logit is subtracted first). */
export function headProbabilities(head: Head, embedding: ArrayLike<number>): Float32Array {
  if (embedding.length !== head.inputSize) {
    throw new Error(`headProbabilities: the embedding has ${embedding.length} numbers but the head takes ${head.inputSize} (inputSize)`);
  }
  const logits = new Float64Array(head.numClasses);
  logitsAt(head, embedding, 0, logits);
  const probabilities = new Float32Array(head.numClasses);
  softmaxInto(logits, head.numClasses, probabilities);
  return probabilities;
}

/** Accuracy and mean cross-entropy over `n = targets.length` embeddings stored `n × inputSize` row-major. */
export function evaluateHead(head: Head, embeddings: Float32Array, targets: ArrayLike<number>): HeadEvaluation {
  validateHead(head);
  checkSamples(head, embeddings, targets, 'evaluateHead');
  const { inputSize, numClasses } = head;
  const logits = new Float64Array(numClasses);
  let correct = 0;
  let loss = 0;
  for (let s = 0; s < targets.length; s++) {
    logitsAt(head, embeddings, s * inputSize, logits);
    const target = targets[s];
    let best = 0;
    for (let c = 1; c < numClasses; c++) if (logits[c] > logits[best]) best = c;
    if (best === target) correct++;
    loss += logSumExp(logits, numClasses) - logits[target];
  }
  const count = targets.length;
  return { count, correct, accuracy: count ? correct / count : 0, loss: count ? loss / count : 0 };
}

/**
 * The smallest and largest logit over all samples and classes: what an int8 export of the head needs
 * to choose its output scale. Note that it describes the samples it saw (see the README on privacy).
 */
export function logitRange(head: Head, embeddings: Float32Array): { min: number; max: number } {
  validateHead(head);
  const count = embeddings.length / head.inputSize;
  if (!Number.isInteger(count) || count === 0) {
    throw new Error(`logitRange: embeddings hold ${embeddings.length} numbers, not a positive multiple of inputSize ${head.inputSize}`);
  }
  const logits = new Float64Array(head.numClasses);
  let min = Infinity;
  let max = -Infinity;
  for (let s = 0; s < count; s++) {
    logitsAt(head, embeddings, s * head.inputSize, logits);
    for (let c = 0; c < head.numClasses; c++) {
      if (logits[c] < min) min = logits[c];
      if (logits[c] > max) max = logits[c];
    }
  }
  return { min, max };
}

/** Logits of the embedding starting at `offset` (no checks: the callers validated). */
export function logitsAt(head: Head, embeddings: ArrayLike<number>, offset: number, out: { [i: number]: number }): void {
  const { inputSize, numClasses, weights, bias } = head;
  for (let c = 0; c < numClasses; c++) {
    let sum = bias[c];
    const row = c * inputSize;
    for (let i = 0; i < inputSize; i++) sum += weights[row + i] * embeddings[offset + i];
    out[c] = sum;
  }
}

/** log Σ exp(logits[c]) over the first `count`, computed stably. */
export function logSumExp(logits: ArrayLike<number>, count: number): number {
  let max = -Infinity;
  for (let c = 0; c < count; c++) if (logits[c] > max) max = logits[c];
  let sum = 0;
  for (let c = 0; c < count; c++) sum += Math.exp(logits[c] - max);
  return max + Math.log(sum);
}

/** Softmax of the first `count` logits into `out`, the largest subtracted first. */
export function softmaxInto(logits: ArrayLike<number>, count: number, out: { [i: number]: number }): void {
  let max = -Infinity;
  for (let c = 0; c < count; c++) if (logits[c] > max) max = logits[c];
  let sum = 0;
  for (let c = 0; c < count; c++) {
    const e = Math.exp(logits[c] - max);
    out[c] = e;
    sum += e;
  }
  for (let c = 0; c < count; c++) out[c] /= sum;
}

/** Throws unless `embeddings` is a finite `targets.length × inputSize` Float32Array and every target is a class index. */
export function checkSamples(head: Head, embeddings: Float32Array, targets: ArrayLike<number>, where: string): void {
  if (!(embeddings instanceof Float32Array)) throw new Error(`${where}: embeddings must be a Float32Array (n × inputSize, row-major); got ${describeArray(embeddings)}`);
  if (!targets || typeof targets.length !== 'number') throw new Error(`${where}: targets must be an array of class indices`);
  if (embeddings.length !== targets.length * head.inputSize) {
    throw new Error(`${where}: ${targets.length} targets need ${targets.length} × ${head.inputSize} (inputSize) = ${targets.length * head.inputSize} embedding numbers, got ${embeddings.length}; is the embedding from the same trunk as the head?`);
  }
  for (let s = 0; s < targets.length; s++) {
    const t = targets[s];
    if (!Number.isInteger(t) || t < 0 || t >= head.numClasses) {
      throw new Error(`${where}: targets[${s}] is ${t}; a target must be a class index 0…${head.numClasses - 1} (the head has ${head.numClasses} classes)`);
    }
  }
  const bad = firstNonFinite(embeddings);
  if (bad >= 0) {
    throw new Error(`${where}: embedding of sample ${Math.floor(bad / head.inputSize)} holds ${embeddings[bad]} at index ${bad % head.inputSize}; drop that sample (embeddings must be finite)`);
  }
}

export function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

function checkSizes(inputSize: number, numClasses: number, name = 'head'): void {
  if (!Number.isInteger(inputSize) || inputSize < 1) throw new Error(`${name}.inputSize must be a positive integer (the embedding length); got ${inputSize}`);
  if (!Number.isInteger(numClasses) || numClasses < 2) throw new Error(`${name}.numClasses must be an integer ≥ 2; got ${numClasses}`);
}

function describeArray(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  const length = (value as { length?: unknown }).length;
  const kind = (value as object).constructor?.name ?? typeof value;
  return typeof length === 'number' ? `${kind}(${length})` : kind;
}
