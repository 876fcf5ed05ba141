// What a phone computes and says about heads, free of LiteRT.js: which trunk goes with the file it runs, its rating
// of a round's average against the base on held-out samples, and a round's decision in words.
import { evaluateHead, logitRange, type Head } from '@offgrid/federated';
import type { FederatedRound, RoundEvaluation } from '@offgrid/sdk';
import type { PhoneVariant } from '../variant-rule.ts';
import type { Embedded } from './embed.ts';

export type TrunkVariant = 'trunk-int8' | 'trunk-float32';

/** The server's logit range bound (its schema's ±10000). */
const LOGIT_LIMIT = 10_000;

/** The trunk matching the file the phone runs (int8 → trunk-int8); float32 when the phone has no file of it yet. */
export function trunkVariantFor(variant: PhoneVariant | undefined): TrunkVariant {
  return variant === 'int8' ? 'trunk-int8' : 'trunk-float32';
}

/** The rating a phone sends: how many held-out samples the average and the base get right, and the average's logits. */
export function rateCandidate(candidate: Head, base: Head, heldOut: Embedded): RoundEvaluation {
  const samples = heldOut.targets.length;
  if (samples === 0) return { samples: 0, correct: 0, baseCorrect: 0 };
  const range = logitRange(candidate, heldOut.embeddings);
  const clamp = (value: number) => Math.max(-LOGIT_LIMIT, Math.min(LOGIT_LIMIT, value));
  return {
    samples,
    correct: evaluateHead(candidate, heldOut.embeddings, heldOut.targets).correct,
    baseCorrect: evaluateHead(base, heldOut.embeddings, heldOut.targets).correct,
    logitRange: { min: clamp(range.min), max: clamp(range.max) },
  };
}

/** The round's decision in words: registered as vN, or kept the base, with the server's reason. */
export function describeRoundOutcome(round: FederatedRound, registeredVersion?: number): string {
  const { outcome } = round;
  if (round.status !== 'closed' || !outcome) return `Round ${round.number} is ${round.status}.`;
  const rated = outcome.candidateAccuracy !== undefined && outcome.baseAccuracy !== undefined
    ? ` Held-out accuracy: average ${(outcome.candidateAccuracy * 100).toFixed(1)} % against the base's ${(outcome.baseAccuracy * 100).toFixed(1)} % (${outcome.evaluatedSamples ?? 0} samples).`
    : '';
  const who = ` ${outcome.participants} phone${outcome.participants === 1 ? '' : 's'}, ${outcome.samples} samples.`;
  if (outcome.decision === 'registered') return `Round ${round.number}: registered as ${registeredVersion === undefined ? 'a new version' : `v${registeredVersion}`}.${who}${rated}`;
  if (outcome.decision === 'kept-base') return `Round ${round.number}: kept the base: ${outcome.reason}${who}${rated}`;
  return `Round ${round.number} closed without a new version: ${outcome.reason}`;
}
