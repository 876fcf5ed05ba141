// The rule that picks the file and accelerator a phone runs, from its measurements (variant-choice.ts measures).
// Pure, so it is tested without a browser.
import type { ModelVersion } from '@offgrid/sdk';
import { anomalyMetrics } from '../modalities/model-fields.ts';

/** Where a model runs (LiteRT.js accelerators). */
export type Accelerator = 'webnn' | 'webgpu' | 'wasm';

export type PhoneVariant = 'int8' | 'float32';
export const PHONE_VARIANTS: readonly PhoneVariant[] = ['int8', 'float32'];

export interface VariantMeasurement {
  variant: PhoneVariant;
  accelerator: Accelerator;
  /** Fastest of TIMED_RUNS runs after one warm-up, ms. */
  latencyMs?: number;
  /** Probe samples on which it gave float32-on-wasm's answer (or one float32 rates a near-tie), of `probes`. */
  agreeing?: number;
  probes?: number;
  /** Why it could not be measured (did not compile or run there). */
  error?: string;
}

export interface VariantChoice {
  variant: PhoneVariant;
  accelerator: Accelerator;
  /** measured: the rule below; default: nothing could be measured; user: picked on the Models screen. */
  how: 'measured' | 'default' | 'user';
  reason: string;
  measurements: VariantMeasurement[];
  measuredAt: string;
}

export const TIMED_RUNS = 7;
/** A variant must give float32's answer on at least this share of the probe samples to be used. */
export const MIN_AGREEMENT = 0.9;
/**
 * int8 is 4× smaller to keep and its accuracy was measured on the server's test set; a float file is chosen only
 * when it runs at least this much faster (timer noise on a phone is easily 10–20%).
 */
export const FLOAT_SPEEDUP_NEEDED = 1.25;

/** The model's answer to one output: the top class, or alarm/no alarm for an anomaly score with the variant's threshold. */
export function answerOf(model: ModelVersion, variant: PhoneVariant, scores: Float32Array): number {
  const anomaly = anomalyMetrics(model, variant);
  if (anomaly) return scores[0] > anomaly.threshold ? 1 : 0;
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
  return best;
}

/**
 * Probabilities (or, for an anomaly score, a share of the threshold) closer than this to float32's answer are a
 * near-tie: an int8 output moves in steps of 1/256 and quantization error adds up through the layers, so which
 * side of a near-tie a variant lands on is a coin toss, not damage. A model that has not learned yet (every class
 * near 1/n) would otherwise be refused its int8 file at random.
 */
export const NEAR_TIE = 0.02;

/** Whether `scores` (a variant's output on one probe) gives float32's answer `reference`, near-ties allowed. */
export function agreesWithFloat32(model: ModelVersion, variant: PhoneVariant, reference: Float32Array, scores: Float32Array): boolean {
  const answer = answerOf(model, variant, scores);
  if (answer === answerOf(model, 'float32', reference)) return true;
  const anomaly = anomalyMetrics(model, 'float32');
  if (anomaly) return Math.abs(reference[0] - anomaly.threshold) <= NEAR_TIE * Math.abs(anomaly.threshold);
  return reference[answer] >= Math.max(...reference) - NEAR_TIE;
}

/** int8 unless a float file measured FLOAT_SPEEDUP_NEEDED× faster; only variants that agree with float32 count. */
export function chooseVariant(measurements: readonly VariantMeasurement[]): Pick<VariantChoice, 'variant' | 'accelerator' | 'how' | 'reason'> {
  const agrees = (m: VariantMeasurement) => m.probes === undefined || (m.agreeing ?? 0) >= MIN_AGREEMENT * m.probes;
  const fastest = (variant: PhoneVariant) => measurements
    .filter((m) => m.variant === variant && m.latencyMs !== undefined && agrees(m))
    .sort((a, b) => a.latencyMs! - b.latencyMs!)[0];
  const [int8, float32] = [fastest('int8'), fastest('float32')];
  const figures = (m: VariantMeasurement) => `${m.latencyMs!.toFixed(2)} ms on ${m.accelerator}${m.probes ? `, ${m.agreeing}/${m.probes} probe samples agree with float32` : ''}`;
  if (float32 && (!int8 || float32.latencyMs! * FLOAT_SPEEDUP_NEEDED <= int8.latencyMs!)) {
    return { variant: 'float32', accelerator: float32.accelerator, how: 'measured', reason: int8
      ? `float32 is ${(int8.latencyMs! / float32.latencyMs!).toFixed(1)}× faster here (${figures(float32)}; int8 ${figures(int8)})`
      : `int8 ${measurements.some((m) => m.variant === 'int8') ? 'did not run or did not agree with float32' : 'is not available'} here; float32 ${figures(float32)}` };
  }
  if (int8) return { variant: 'int8', accelerator: int8.accelerator, how: 'measured', reason: `int8 ${figures(int8)}${float32 ? `; float32 ${figures(float32)}` : ''}` };
  return { variant: 'int8', accelerator: 'wasm', how: 'default', reason: 'nothing could be measured on this phone, so the default: int8 on wasm' };
}
