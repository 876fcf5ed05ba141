/**
 * Training the head on the phone: mini-batch SGD with momentum on softmax cross-entropy, optionally with
 * weight decay (l2) and FedProx's proximal pull toward the round's base head. Plain loops over typed
 * arrays: a linear head costs about 4·d·N flops per sample (forward and gradient; the update, once per batch,
 * adds ~5·d·N / batchSize), far too
 * little to pay for a TF.js backend's start and per-op dispatch (README, "Why plain TypeScript").
 */
import { createRandom, type Random } from '@offgrid/features';
import { checkSamples, firstNonFinite, validateHead, type Head } from './head.ts';

export interface TrainHeadData {
  /** `n × inputSize` row-major, n = targets.length. */
  embeddings: Float32Array;
  /** Class index per sample, 0 … numClasses − 1. */
  targets: ArrayLike<number>;
}

export interface TrainHeadProgress {
  /** 1-based: the epoch just finished. */
  epoch: number;
  epochs: number;
  /** Mean cross-entropy over the epoch's samples, each measured just before its batch's step. */
  loss: number;
}

export interface TrainHeadOptions {
  epochs: number;
  /** Step size of SGD with momentum 0.9 (the effective step is about 10× this). Default 0.01. */
  learningRate?: number;
  /** Default 32; the last batch of an epoch may be smaller. */
  batchSize?: number;
  /** Weight decay: adds (l2/2)·‖W‖² (weights, not the bias) to the loss. Default 0. */
  l2?: number;
  /** FedProx μ: adds (μ/2)·‖θ − θ_base‖² (weights and bias), keeping a phone's head near the round's base. Default 0. */
  proximal?: number;
  /** Seeds the per-epoch shuffle: the same seed, data and options give the same head, bit for bit. */
  seed: number;
  /** Aborting stops after the current batch: the result holds the head as of the last full batch, cancelled: true. */
  signal?: AbortSignal;
  onEpoch?(progress: TrainHeadProgress): void;
  /** Yield to the event loop (a macrotask) when this long has passed since the last yield. Default 8 ms. */
  yieldEveryMs?: number;
}

export interface TrainHeadResult {
  head: Head;
  /** Whole epochs completed. */
  epochsRun: number;
  /** The last epoch's mean loss (see TrainHeadProgress.loss); of its finished batches when cancelled; NaN when no batch ran. */
  loss: number;
  cancelled: boolean;
}

export const TRAIN_HEAD_DEFAULTS = Object.freeze({ learningRate: 0.01, batchSize: 32, l2: 0, proximal: 0, yieldEveryMs: 8, momentum: 0.9 });

interface Settings { learningRate: number; batchSize: number; l2: number; proximal: number; yieldEveryMs: number }

/** What one step needs: parameters θ = [W (numClasses × inputSize), b (numClasses)] in float64, the momentum, the gradient. */
interface State {
  inputSize: number;
  numClasses: number;
  theta: Float64Array;
  anchor: Float64Array;
  velocity: Float64Array;
  gradient: Float64Array;
  logits: Float64Array;
  /** The current sample's embedding, widened to float64 once. */
  sample: Float64Array;
}

export async function trainHead(base: Head, data: TrainHeadData, options: TrainHeadOptions): Promise<TrainHeadResult> {
  validateHead(base, 'base');
  if (!data || typeof data !== 'object') throw new Error('trainHead: data must be { embeddings: Float32Array, targets }');
  checkSamples(base, data.embeddings, data.targets, 'trainHead');
  const settings = checkOptions(options);
  const state = createState(base);
  const n = data.targets.length;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const random = createRandom(options.seed);
  const { signal } = options;
  let lastYield = now();
  let loss = NaN;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    if (signal?.aborted) return finish(state, epoch, loss, true, settings.learningRate);
    shuffle(order, random);
    let lossSum = 0;
    for (let start = 0; start < n; start += settings.batchSize) {
      const end = Math.min(n, start + settings.batchSize);
      lossSum += step(state, data, order, start, end, settings);
      loss = lossSum / end;
      if (!Number.isFinite(lossSum)) {
        throw new Error(`trainHead diverged in epoch ${epoch + 1} (loss ${lossSum}): lower learningRate (was ${settings.learningRate}) or scale the embeddings`);
      }
      if (now() - lastYield >= settings.yieldEveryMs) {
        await macrotask();
        lastYield = now();
      }
      if (signal?.aborted) return finish(state, epoch, loss, true, settings.learningRate);
    }
    options.onEpoch?.({ epoch: epoch + 1, epochs: options.epochs, loss });
  }
  return finish(state, options.epochs, loss, false, settings.learningRate);
}

/**
 * The training objective at `head` and its gradient, θ = [weights, bias] flattened like `headDelta`:
 * mean cross-entropy + (l2/2)·‖W‖² + (proximal/2)·‖θ − θ_base‖². The same code as a training step;
 * exported for gradient checks and for callers that want the loss without training.
 */
export function headLossGradient(head: Head, data: TrainHeadData, options: { l2?: number; proximal?: number; base?: Head } = {}): { loss: number; gradient: Float64Array } {
  validateHead(head);
  checkSamples(head, data.embeddings, data.targets, 'headLossGradient');
  const state = createState(options.base ?? head);
  state.theta.set(head.weights);
  state.theta.set(head.bias, head.weights.length);
  const n = data.targets.length;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const crossEntropy = accumulate(state, data, order, 0, n) / n;
  const l2 = options.l2 ?? 0;
  const proximal = options.proximal ?? 0;
  const weightCount = head.weights.length;
  let penalty = 0;
  for (let j = 0; j < state.theta.length; j++) {
    const theta = state.theta[j];
    const pull = theta - state.anchor[j];
    state.gradient[j] = state.gradient[j] / n + (j < weightCount ? l2 * theta : 0) + proximal * pull;
    penalty += (j < weightCount ? (l2 / 2) * theta * theta : 0) + (proximal / 2) * pull * pull;
  }
  return { loss: crossEntropy + penalty, gradient: state.gradient };
}

/** One SGD-with-momentum step on the samples order[start..end); returns their summed cross-entropy before the step. */
function step(state: State, data: TrainHeadData, order: Int32Array, start: number, end: number, settings: Settings): number {
  const lossSum = accumulate(state, data, order, start, end);
  const { theta, anchor, velocity, gradient } = state;
  const scale = 1 / (end - start);
  const weightCount = state.numClasses * state.inputSize;
  const { learningRate, l2, proximal } = settings;
  const momentum = TRAIN_HEAD_DEFAULTS.momentum;
  for (let j = 0; j < theta.length; j++) {
    let g = gradient[j] * scale;
    if (l2 && j < weightCount) g += l2 * theta[j];
    if (proximal) g += proximal * (theta[j] - anchor[j]);
    velocity[j] = momentum * velocity[j] + g;
    theta[j] -= learningRate * velocity[j];
  }
  return lossSum;
}

/** Sets state.gradient to Σ ∂CE/∂θ over order[start..end) and returns Σ CE. */
function accumulate(state: State, data: TrainHeadData, order: Int32Array, start: number, end: number): number {
  const { inputSize, numClasses, theta, gradient, logits, sample: x } = state;
  const { embeddings, targets } = data;
  const biasAt = numClasses * inputSize;
  gradient.fill(0);
  let lossSum = 0;
  for (let k = start; k < end; k++) {
    const index = order[k];
    x.set(embeddings.subarray(index * inputSize, (index + 1) * inputSize));
    let max = -Infinity;
    for (let c = 0, row = 0; c < numClasses; c++, row += inputSize) {
      let sum = theta[biasAt + c];
      for (let i = 0; i < inputSize; i++) sum += theta[row + i] * x[i];
      logits[c] = sum;
      if (sum > max) max = sum;
    }
    const target = targets[index];
    const targetShifted = logits[target] - max;
    let total = 0;
    for (let c = 0; c < numClasses; c++) {
      logits[c] = Math.exp(logits[c] - max);
      total += logits[c];
    }
    lossSum += Math.log(total) - targetShifted;
    for (let c = 0, row = 0; c < numClasses; c++, row += inputSize) {
      // ∂CE/∂logit_c = softmax_c − [c = target]
      const g = logits[c] / total - (c === target ? 1 : 0);
      gradient[biasAt + c] += g;
      for (let i = 0; i < inputSize; i++) gradient[row + i] += g * x[i];
    }
  }
  return lossSum;
}

function createState(base: Head): State {
  const size = base.weights.length + base.bias.length;
  const anchor = new Float64Array(size);
  anchor.set(base.weights);
  anchor.set(base.bias, base.weights.length);
  return {
    inputSize: base.inputSize,
    numClasses: base.numClasses,
    theta: anchor.slice(),
    anchor,
    velocity: new Float64Array(size),
    gradient: new Float64Array(size),
    logits: new Float64Array(base.numClasses),
    sample: new Float64Array(base.inputSize),
  };
}

function finish(state: State, epochsRun: number, loss: number, cancelled: boolean, learningRate: number): TrainHeadResult {
  const weightCount = state.numClasses * state.inputSize;
  const head: Head = {
    inputSize: state.inputSize,
    numClasses: state.numClasses,
    weights: Float32Array.from(state.theta.subarray(0, weightCount)),
    bias: Float32Array.from(state.theta.subarray(weightCount)),
  };
  if (firstNonFinite(head.weights) >= 0 || firstNonFinite(head.bias) >= 0) {
    throw new Error(`trainHead diverged: the head's weights overflow float32; lower learningRate (was ${learningRate}) or scale the embeddings`);
  }
  return { head, epochsRun, loss, cancelled };
}

function checkOptions(options: TrainHeadOptions): Settings {
  if (!options || typeof options !== 'object') throw new Error('trainHead: options { epochs, seed } are required');
  const { epochs, seed } = options;
  if (!Number.isInteger(epochs) || epochs < 0) throw new Error(`trainHead: epochs must be a whole number ≥ 0; got ${epochs}`);
  if (!Number.isFinite(seed)) throw new Error(`trainHead: seed must be a finite number (it makes the shuffle reproducible); got ${seed}`);
  const settings = { ...TRAIN_HEAD_DEFAULTS, ...definedOnly(options) };
  const positive = (name: keyof Settings, integer = false) => {
    const value = settings[name];
    if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
      throw new Error(`trainHead: ${name} must be a positive ${integer ? 'integer' : 'number'}; got ${value}`);
    }
  };
  const nonNegative = (name: keyof Settings) => {
    if (!Number.isFinite(settings[name]) || settings[name] < 0) throw new Error(`trainHead: ${name} must be a finite number ≥ 0 (0 turns it off); got ${settings[name]}`);
  };
  positive('learningRate');
  positive('batchSize', true);
  nonNegative('l2');
  nonNegative('proximal');
  nonNegative('yieldEveryMs');
  return settings;
}

function definedOnly(options: TrainHeadOptions): Partial<Settings> {
  const out: Partial<Settings> = {};
  for (const key of ['learningRate', 'batchSize', 'l2', 'proximal', 'yieldEveryMs'] as const) {
    if (options[key] !== undefined) out[key] = options[key];
  }
  return out;
}

/** Fisher–Yates with the seeded generator. */
function shuffle(order: Int32Array, random: Random): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
}

function now(): number {
  return globalThis.performance?.now() ?? Date.now();
}

/** A macrotask, not a microtask: lets the browser paint and handle input between batches. */
function macrotask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
