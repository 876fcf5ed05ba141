/**
 * The privacy accountant for DP-FedAvg rounds: Rényi differential privacy of the Gaussian mechanism
 * (Mironov 2017, "Rényi Differential Privacy", Prop. 7 and Prop. 1, 3).
 *
 * One round releases the mean of clipped updates plus Gaussian noise of std z·C/m, where one phone moves the
 * mean by at most C/m: a Gaussian mechanism of noise multiplier z, RDP(α) = α / (2z²) at every order α > 1.
 * Over T rounds the RDP adds up: T·α / (2z²). No amplification by subsampling is claimed: phones join a
 * round of their own accord, not by a random sample the server draws, so the sampling theorems do not apply.
 * Converted to (ε, δ)-DP with ε = RDP(α) + ln(1/δ) / (α − 1), minimised over α > 1. With a = T / (2z²) and
 * L = ln(1/δ) the minimum is at α* = 1 + √(L/a) and is ε = a + 2·√(a·L) (the closed form used here; every
 * real α > 1 is a valid order of the Gaussian's RDP, so nothing is lost to a grid).
 * The conversion is Mironov's; tighter ones exist (Canonne, Kamath, Steinke 2020), so this ε is conservative.
 */

export interface GaussianPrivacy {
  /** z: noise std over the per-round sensitivity (clipNorm/m on the mean). */
  noiseMultiplier: number;
  /** Rounds one phone may take part in, all counted (the worst case: it joined all of them). */
  rounds: number;
  /** δ in (0, 1); usually below 1 / (number of phones). */
  delta: number;
}

/** RDP of T rounds of the Gaussian mechanism at order α: T·α / (2z²). */
export function gaussianRdp(noiseMultiplier: number, rounds: number, order: number): number {
  return (rounds * order) / (2 * noiseMultiplier * noiseMultiplier);
}

/**
 * (ε, δ) client-level DP of `rounds` DP-FedAvg rounds with noise multiplier z, and the Rényi order α that
 * gives it. z = 0 (no noise) is ε = ∞; rounds = 0 is ε = 0.
 */
export function gaussianEpsilon(privacy: GaussianPrivacy): { epsilon: number; order: number } {
  const { noiseMultiplier, rounds, delta } = checkPrivacy(privacy, 'gaussianEpsilon');
  if (rounds === 0) return { epsilon: 0, order: Infinity };
  if (noiseMultiplier === 0) return { epsilon: Infinity, order: NaN };
  const a = rounds / (2 * noiseMultiplier * noiseMultiplier);
  const L = Math.log(1 / delta);
  const order = 1 + Math.sqrt(L / a);
  return { epsilon: a + 2 * Math.sqrt(a * L), order };
}

/**
 * The smallest noise multiplier z whose `rounds` rounds stay within (ε, δ): the inverse of gaussianEpsilon,
 * for choosing z from a privacy budget. From ε = a + 2√(aL): √a = √(L + ε) − √L, z = √(T / (2a)).
 */
export function noiseMultiplierFor(budget: { epsilon: number; rounds: number; delta: number }): number {
  const { epsilon } = budget;
  if (!(epsilon > 0) || !Number.isFinite(epsilon)) throw new Error(`noiseMultiplierFor: epsilon must be a positive finite number; got ${epsilon}`);
  const { rounds, delta } = checkPrivacy({ ...budget, noiseMultiplier: 1 }, 'noiseMultiplierFor');
  if (rounds === 0) return 0;
  const L = Math.log(1 / delta);
  const rootA = Math.sqrt(L + epsilon) - Math.sqrt(L);
  return Math.sqrt(rounds / (2 * rootA * rootA));
}

function checkPrivacy(privacy: GaussianPrivacy, where: string): GaussianPrivacy {
  if (!privacy || typeof privacy !== 'object') throw new Error(`${where}: expected { noiseMultiplier, rounds, delta }`);
  const { noiseMultiplier, rounds, delta } = privacy;
  if (!Number.isFinite(noiseMultiplier) || noiseMultiplier < 0) throw new Error(`${where}: noiseMultiplier must be a finite number ≥ 0; got ${noiseMultiplier}`);
  if (!Number.isInteger(rounds) || rounds < 0) throw new Error(`${where}: rounds must be a whole number ≥ 0; got ${rounds}`);
  if (!(delta > 0 && delta < 1)) throw new Error(`${where}: delta must be in (0, 1), typically below 1 / (number of phones); got ${delta}`);
  return privacy;
}
