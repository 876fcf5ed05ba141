/**
 * Tree-structured Parzen Estimator (Bergstra et al. 2011), following Optuna's independent TPE: rank the
 * finished trials, call the best γ-fraction "good", fit one density l(x) per parameter to the good
 * trials and g(x) to the rest, draw candidates from l and keep the one maximizing l(x)/g(x).
 * Conditional parameters are modelled only on the trials where they were active.
 */
import { createRng, mixSeed, type Rng } from '../math/random.ts';
import { activeValues, buildConfig, type ParamSite } from '../space/define.ts';
import type { Scalar } from '../space/params.ts';
import { sampleUniform } from '../space/uniform.ts';
import { CategoricalParzenEstimator, NumericParzenEstimator, type WeightedValue } from './parzen.ts';
import type { ObservedTrial, Sampler } from './sampler.ts';

export interface TpeOptions {
  seed?: number;
  /** Trials drawn uniformly at random before TPE has anything to model. Default 10 (Optuna's). */
  startupTrials?: number;
  /** Fraction of ranked trials that count as good. Default 0.1 (Optuna's γ(n) = min(⌈0.1·n⌉, 25)). */
  gamma?: number;
  /** Upper bound on the number of good trials. Default 25. */
  maxGoodTrials?: number;
  /** Candidates drawn from l(x) per parameter. Default 24. */
  candidates?: number;
  /** Weight of the prior component in every estimator. Default 1. */
  priorWeight?: number;
}

const DEFAULTS = { seed: 0, startupTrials: 10, gamma: 0.1, maxGoodTrials: 25, candidates: 24, priorWeight: 1 } satisfies Required<TpeOptions>;

export function tpeSampler(options: TpeOptions = {}): Sampler {
  const settings = { ...DEFAULTS, ...options };
  return {
    name: 'tpe',
    sample({ space, trialNumber, history }) {
      const rng = createRng(mixSeed(settings.seed, trialNumber));
      if (history.length < settings.startupTrials) return buildConfig(space, (site) => sampleUniform(site.def, rng));
      const { good, bad } = splitGoodBad(history, settings.gamma, settings.maxGoodTrials);
      const goodValues = good.map((trial) => activeValues(space, trial.config));
      const badValues = bad.map((trial) => activeValues(space, trial.config));
      return buildConfig(space, (site) =>
        sampleParameter(site, observationsOf(site, goodValues), observationsOf(site, badValues), rng, settings),
      );
    },
  };
}

/**
 * Ranks trials best first: feasible before infeasible, then results at a higher resource (trials that
 * survived more rungs) before lower ones, then by loss. Older trials break ties so the split is stable.
 */
export function rankTrials(history: readonly ObservedTrial[]): ObservedTrial[] {
  return [...history].sort(
    (a, b) => Number(b.feasible) - Number(a.feasible) || b.resource - a.resource || a.loss - b.loss || a.number - b.number,
  );
}

function splitGoodBad(history: readonly ObservedTrial[], gamma: number, maxGood: number): { good: ObservedTrial[]; bad: ObservedTrial[] } {
  const ranked = rankTrials(history);
  const goodCount = Math.min(Math.ceil(gamma * ranked.length), maxGood);
  // Estimators weight observations by age (see observationWeights), which needs trial order.
  const byNumber = (a: ObservedTrial, b: ObservedTrial) => a.number - b.number;
  return { good: ranked.slice(0, goodCount).sort(byNumber), bad: ranked.slice(goodCount).sort(byNumber) };
}

function observationsOf(site: ParamSite, trials: readonly Map<string, { value: Scalar | undefined }>[]): WeightedValue<Scalar>[] {
  const values: Scalar[] = [];
  for (const active of trials) {
    const value = active.get(site.id)?.value;
    if (value !== undefined) values.push(value);
  }
  const weights = observationWeights(values.length);
  return values.map((value, i) => ({ value, weight: weights[i] }));
}

/** Optuna's default: equal weights for the latest 25 observations, linearly fading weights before them. */
function observationWeights(count: number): number[] {
  if (count < 25) return new Array<number>(count).fill(1);
  const ramp = count - 25;
  return Array.from({ length: count }, (_, i) => (i < ramp ? 1 / count + ((1 - 1 / count) * i) / Math.max(1, ramp - 1) : 1));
}

function sampleParameter(
  site: ParamSite,
  good: readonly WeightedValue<Scalar>[],
  bad: readonly WeightedValue<Scalar>[],
  rng: Rng,
  settings: Required<TpeOptions>,
): Scalar {
  const l = estimatorFor(site, good, settings.priorWeight);
  const g = estimatorFor(site, bad, settings.priorWeight);
  let best: Scalar = l.sample(rng);
  let bestScore = -Infinity;
  for (let i = 0; i < settings.candidates; i++) {
    const candidate = i === 0 ? best : l.sample(rng);
    const score = l.logDensity(candidate) - g.logDensity(candidate);
    if (score > bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

interface Estimator {
  sample(rng: Rng): Scalar;
  logDensity(value: Scalar): number;
}

function estimatorFor(site: ParamSite, observations: readonly WeightedValue<Scalar>[], priorWeight: number): Estimator {
  const def = site.def;
  if (def.kind === 'categorical') return new CategoricalParzenEstimator(def, observations, priorWeight);
  // Values of a numeric parameter are numbers: configs were validated when their trials were created.
  const numeric = new NumericParzenEstimator(def, observations as readonly WeightedValue<number>[], priorWeight);
  return { sample: (rng) => numeric.sample(rng), logDensity: (value) => numeric.logDensity(Number(value)) };
}
