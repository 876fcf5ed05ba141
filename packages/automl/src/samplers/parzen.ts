/**
 * Parzen estimators for one parameter, as in Optuna's TPE: a weighted mixture of truncated Gaussians
 * (numeric, in log space where declared) or a smoothed frequency table (categorical). Each includes a
 * prior component so an estimator built from zero or one observation is still a proper density.
 */
import { normalLogPdf, normalMass, sampleTruncatedNormal } from '../math/gaussian.ts';
import type { Rng } from '../math/random.ts';
import type { CategoricalParam, FloatParam, IntParam, Scalar } from '../space/params.ts';

export interface WeightedValue<T> {
  readonly value: T;
  readonly weight: number;
}

type NumericParam = IntParam | FloatParam;

/** Internal coordinates: log-scaled params live in log space; ints own the cell of half-width step/2 around each value. */
function toInternal(def: NumericParam, x: number): number {
  return def.log ? Math.log(x) : x;
}

function internalBounds(def: NumericParam): [number, number] {
  if (def.kind === 'float') return [toInternal(def, def.low), toInternal(def, def.high)];
  const half = def.step / 2;
  return def.log ? [Math.log(def.low - half), Math.log(def.high + half)] : [def.low - half, def.high + half];
}

function cellOf(def: NumericParam, x: number): [number, number] | undefined {
  if (def.kind === 'float') return undefined;
  const half = def.step / 2;
  return def.log ? [Math.log(x - half), Math.log(x + half)] : [x - half, x + half];
}

/** Back from internal coordinates to a legal value: onto the int grid, inside the bounds. */
function fromInternal(def: NumericParam, y: number): number {
  const x = def.log ? Math.exp(y) : y;
  if (def.kind === 'float') return Math.min(def.high, Math.max(def.low, x));
  const snapped = def.low + def.step * Math.round((x - def.low) / def.step);
  return Math.min(def.high, Math.max(def.low, snapped));
}

export class NumericParzenEstimator {
  private readonly mus: number[] = [];
  private readonly sigmas: number[] = [];
  private readonly weights: number[] = [];
  /** log of each component's mass inside the bounds (the truncation normalizer). */
  private readonly logMassInside: number[] = [];
  private readonly low: number;
  private readonly high: number;

  constructor(
    private readonly def: NumericParam,
    observations: readonly WeightedValue<number>[],
    priorWeight: number,
  ) {
    [this.low, this.high] = internalBounds(def);
    const range = this.high - this.low;
    const points = observations.map((o) => ({ mu: toInternal(def, o.value), weight: o.weight, isPrior: false }));
    points.push({ mu: (this.low + this.high) / 2, weight: priorWeight, isPrior: true });
    points.sort((a, b) => a.mu - b.mu);
    // Bandwidth = distance to the farther neighbour, clipped so that kernels are neither wider than the
    // range nor narrower than range/min(100, n+1) ("magic clip"). The outermost points look only inward:
    // measuring to the bound would give a lone point near an edge a kernel as wide as the range.
    const minSigma = range / Math.min(100, points.length);
    const totalWeight = points.reduce((sum, p) => sum + p.weight, 0);
    const last = points.length - 1;
    points.forEach((point, i) => {
      let sigma: number;
      if (point.isPrior) sigma = range;
      else {
        const toLeft = i > 0 ? point.mu - points[i - 1].mu : point.mu - this.low;
        const toRight = i < last ? points[i + 1].mu - point.mu : this.high - point.mu;
        const spread = last === 0 ? Math.max(toLeft, toRight) : i === 0 ? toRight : i === last ? toLeft : Math.max(toLeft, toRight);
        sigma = Math.min(range, Math.max(minSigma, spread));
      }
      this.mus.push(point.mu);
      this.sigmas.push(sigma);
      this.weights.push(point.weight / totalWeight);
      this.logMassInside.push(Math.log(Math.max(1e-300, normalMass((this.low - point.mu) / sigma, (this.high - point.mu) / sigma))));
    });
  }

  sample(rng: Rng): number {
    const i = rng.weighted(this.weights);
    return fromInternal(this.def, sampleTruncatedNormal(rng, this.mus[i], this.sigmas[i], this.low, this.high));
  }

  /** log density at a legal value; for ints, the log probability of its grid cell. */
  logDensity(x: number): number {
    const cell = cellOf(this.def, x);
    const y = toInternal(this.def, x);
    const terms = this.mus.map((mu, i) => {
      const sigma = this.sigmas[i];
      const logKernel = cell
        ? Math.log(Math.max(1e-300, normalMass((cell[0] - mu) / sigma, (cell[1] - mu) / sigma)))
        : normalLogPdf((y - mu) / sigma) - Math.log(sigma);
      return Math.log(this.weights[i]) + logKernel - this.logMassInside[i];
    });
    return logSumExp(terms);
  }
}

export class CategoricalParzenEstimator {
  private readonly probabilities: number[];

  constructor(
    private readonly def: CategoricalParam,
    observations: readonly WeightedValue<Scalar>[],
    priorWeight: number,
  ) {
    // The prior spreads its weight evenly, so unseen choices keep a non-zero probability.
    const counts = def.choices.map(() => priorWeight / def.choices.length);
    for (const { value, weight } of observations) {
      const index = def.choices.indexOf(value);
      if (index >= 0) counts[index] += weight;
    }
    const total = counts.reduce((sum, c) => sum + c, 0);
    this.probabilities = counts.map((c) => c / total);
  }

  sample(rng: Rng): Scalar {
    return this.def.choices[rng.weighted(this.probabilities)];
  }

  logDensity(value: Scalar): number {
    const index = this.def.choices.indexOf(value);
    return index >= 0 ? Math.log(this.probabilities[index]) : -Infinity;
  }
}

function logSumExp(values: readonly number[]): number {
  const max = Math.max(...values);
  if (!Number.isFinite(max)) return max;
  return max + Math.log(values.reduce((sum, v) => sum + Math.exp(v - max), 0));
}
