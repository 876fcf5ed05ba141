/**
 * The server's half of a round: check each phone's update, clip it, and average (FedAvg, McMahan et al.
 * 2017), optionally with Gaussian noise for client-level differential privacy (DP-FedAvg, McMahan et al.
 * 2018, "Learning Differentially Private Recurrent Language Models"). See accountant.ts for the (ε, δ).
 */
import { applyDelta, clipToNorm, deltaLength } from './update.ts';
import { firstNonFinite, validateHead, type Head } from './head.ts';

export type UpdateCheck =
  | { ok: true; norm: number }
  | { ok: false; reason: 'type' | 'length' | 'not-finite' | 'too-large'; message: string };

/**
 * Whether an update may enter the average: a Float32Array of `expectedLength` finite values, and, when
 * `maxNorm` is given, an L2 norm of at most maxNorm (a reject threshold for absurd updates; clipping in
 * federatedAverage bounds every accepted one anyway).
 */
export function checkUpdate(delta: unknown, expectedLength: number, options: { maxNorm?: number } = {}): UpdateCheck {
  if (!(delta instanceof Float32Array)) {
    return { ok: false, reason: 'type', message: 'the update must be a Float32Array (decodeFloats of the base64 the phone sent)' };
  }
  if (delta.length !== expectedLength) {
    return { ok: false, reason: 'length', message: `the update has ${delta.length} values, the round's head needs ${expectedLength} (numClasses × inputSize + numClasses); was it trained from another base?` };
  }
  const bad = firstNonFinite(delta);
  if (bad >= 0) return { ok: false, reason: 'not-finite', message: `the update holds ${delta[bad]} at index ${bad}; its local training diverged` };
  let sum = 0;
  for (let i = 0; i < delta.length; i++) sum += delta[i] * delta[i];
  const norm = Math.sqrt(sum);
  if (options.maxNorm !== undefined && norm > options.maxNorm) {
    return { ok: false, reason: 'too-large', message: `the update's L2 norm ${norm.toPrecision(4)} exceeds the limit ${options.maxNorm}` };
  }
  return { ok: true, norm };
}

export interface ClientUpdate {
  /** headDelta(base, trained): weights then bias. */
  delta: Float32Array;
  /** How many samples the phone trained on (the FedAvg weight when there is no noise). */
  sampleCount: number;
}

export interface FederatedAverageOptions {
  /** Every update is scaled down to at most this L2 norm before averaging. */
  clipNorm: number;
  /** z: Gaussian noise of std z·clipNorm/m per coordinate, m = updates.length. 0 (default): no noise. */
  noiseMultiplier?: number;
  /** Uniform [0, 1) source for the noise. Default: crypto.getRandomValues. Pass a seeded one in tests only. */
  random?: { next(): number };
}

export interface FederatedAverageResult {
  /** base + the (noised) weighted mean of the clipped updates. */
  head: Head;
  /** Each update's L2 norm before clipping, in input order. */
  norms: number[];
  clipped: boolean[];
  /** Each update's weight in the mean (they sum to 1): sampleCount / Σ sampleCount, or 1/m with noise. */
  weights: number[];
  /** The noise's std per coordinate: z·clipNorm/m, 0 without noise. */
  noiseStd: number;
}

/**
 * One FedAvg aggregation. Without noise: Σ w_k·clip(Δ_k) with w_k = n_k / Σ n. With noise multiplier z > 0:
 * the uniform mean (1/m)·Σ clip(Δ_k), so one phone moves it by at most clipNorm/m, plus N(0, (z·clipNorm/m)²)
 * on every coordinate. Throws on an update that checkUpdate would reject: filter them first.
 */
export function federatedAverage(base: Head, updates: readonly ClientUpdate[], options: FederatedAverageOptions): FederatedAverageResult {
  validateHead(base, 'base');
  const { clipNorm } = options;
  const noiseMultiplier = options.noiseMultiplier ?? 0;
  if (!Number.isFinite(clipNorm) || clipNorm <= 0) throw new Error(`federatedAverage: clipNorm must be a positive number; got ${clipNorm}`);
  if (!Number.isFinite(noiseMultiplier) || noiseMultiplier < 0) throw new Error(`federatedAverage: noiseMultiplier must be ≥ 0 (0 = no noise); got ${noiseMultiplier}`);
  if (!Array.isArray(updates) || updates.length === 0) throw new Error('federatedAverage: no updates to average; a round needs at least one accepted update');
  const length = deltaLength(base);
  updates.forEach((update, k) => {
    const check = checkUpdate(update?.delta, length);
    if (!check.ok) throw new Error(`federatedAverage: update ${k} rejected (${check.reason}): ${check.message}`);
    if (!Number.isFinite(update.sampleCount) || update.sampleCount <= 0) {
      throw new Error(`federatedAverage: update ${k} has sampleCount ${update.sampleCount}; it must be a positive number`);
    }
  });
  const m = updates.length;
  const noisy = noiseMultiplier > 0;
  const totalCount = updates.reduce((sum, update) => sum + update.sampleCount, 0);
  const weights = updates.map((update) => (noisy ? 1 / m : update.sampleCount / totalCount));
  const mean = new Float64Array(length);
  const norms: number[] = [];
  const clipped: boolean[] = [];
  updates.forEach((update, k) => {
    const clip = clipToNorm(update.delta, clipNorm);
    norms.push(clip.norm);
    clipped.push(clip.clipped);
    for (let i = 0; i < length; i++) mean[i] += weights[k] * clip.delta[i];
  });
  const noiseStd = noisy ? (noiseMultiplier * clipNorm) / m : 0;
  if (noisy) addGaussianNoise(mean, noiseStd, options.random ?? cryptoRandom());
  return { head: applyDelta(base, mean), norms, clipped, weights, noiseStd };
}

/** Adds N(0, std²) to every value: Box–Muller, two normals per pair of uniforms. */
export function addGaussianNoise(values: Float64Array | Float32Array, std: number, random: { next(): number }): void {
  for (let i = 0; i < values.length; i += 2) {
    const u1 = 1 - random.next(); // (0, 1]: log(u1) stays finite
    const u2 = random.next();
    const radius = std * Math.sqrt(-2 * Math.log(u1));
    values[i] += radius * Math.cos(2 * Math.PI * u2);
    if (i + 1 < values.length) values[i + 1] += radius * Math.sin(2 * Math.PI * u2);
  }
}

/**
 * Uniform [0, 1) with 53 random bits from crypto.getRandomValues (Web Crypto: browsers and Node ≥ 19),
 * drawn in blocks. The noise must not be predictable, or it could be subtracted again.
 */
export function cryptoRandom(): { next(): number } {
  const crypto = (globalThis as { crypto?: { getRandomValues<T extends ArrayBufferView>(array: T): T } }).crypto;
  if (!crypto?.getRandomValues) throw new Error('cryptoRandom: globalThis.crypto.getRandomValues is missing (Node ≥ 19 or a browser needed); noise must come from a cryptographic source');
  const block = new Uint32Array(2048);
  let at = block.length;
  return {
    next() {
      if (at >= block.length) {
        crypto.getRandomValues(block);
        at = 0;
      }
      const high = block[at++] >>> 5; // 27 bits
      const low = block[at++] >>> 6; // 26 bits
      return (high * 67108864 + low) / 9007199254740992;
    },
  };
}
