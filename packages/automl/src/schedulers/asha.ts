/**
 * Asynchronous successive halving (Li et al. 2018, "ASHA"), in the form Optuna's SuccessiveHalvingPruner
 * uses: a trial that finishes rung k is promoted at once if it is in the top 1/η of the results recorded
 * at rung k so far, otherwise pruned. Nothing waits for a full rung, so parallel workers never idle, and
 * no trial is paused (which would need every objective to checkpoint).
 */
import type { RungDecision, Scheduler } from './scheduler.ts';

export interface AshaOptions {
  /** Resource of the first rung (e.g. 1 epoch, or 0.1 of the data). */
  minResource: number;
  /** Resource of the last rung; every rung below it is minResource·η^k. */
  maxResource: number;
  /** η: rung k+1 gets η times the resource of rung k and keeps the top 1/η of it. Default 3. */
  reductionFactor?: number;
  /** Round rung resources up to integers (epochs). Default: true when both bounds are integers. */
  integerResources?: boolean;
}

export class AshaScheduler implements Scheduler {
  readonly rungResources: readonly number[];
  readonly reductionFactor: number;
  /** Loss of every trial recorded at each rung, by trial number. */
  private readonly rungs: Map<number, number>[];

  constructor(options: AshaOptions) {
    const { minResource, maxResource } = options;
    const eta = options.reductionFactor ?? 3;
    if (!(minResource > 0) || !(maxResource >= minResource)) {
      throw new Error(`ASHA needs 0 < minResource <= maxResource, got ${minResource} and ${maxResource}.`);
    }
    if (!(eta > 1)) throw new Error(`ASHA needs a reductionFactor above 1, got ${eta}.`);
    const integer = options.integerResources ?? (Number.isInteger(minResource) && Number.isInteger(maxResource));
    const resources: number[] = [];
    // 1e-9 keeps float noise (0.1·3·3 = 0.9000000000000001) from adding a spurious rung.
    for (let r = minResource; r < maxResource * (1 - 1e-9); r *= eta) {
      const resource = integer ? Math.ceil(r - 1e-9) : r;
      if (resources.at(-1) !== resource) resources.push(resource);
    }
    if (resources.at(-1) !== maxResource) resources.push(maxResource);
    this.rungResources = resources;
    this.reductionFactor = eta;
    this.rungs = resources.map(() => new Map());
  }

  recordRung(trialNumber: number, rung: number, loss: number): RungDecision {
    if (!Number.isInteger(rung) || rung < 0 || rung >= this.rungResources.length) {
      throw new Error(`Rung ${rung} does not exist; this scheduler has rungs 0..${this.rungResources.length - 1}.`);
    }
    this.rungs[rung].set(trialNumber, loss);
    if (rung === this.rungResources.length - 1) return 'complete';
    return this.isInTopFraction(rung, loss) ? 'promote' : 'prune';
  }

  /** Losses recorded at a rung (for progress displays and tests). */
  rungLosses(rung: number): number[] {
    return [...(this.rungs[rung]?.values() ?? [])];
  }

  private isInTopFraction(rung: number, loss: number): boolean {
    const losses = [...this.rungs[rung].values()].filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
    if (Number.isNaN(loss)) return false;
    // Top ⌊n/η⌋ (the trial itself counts in n). While fewer than η results exist that is zero trials;
    // without pausing there is no later chance, so, like Optuna, promote the best-so-far instead.
    const promotable = Math.max(1, Math.floor(losses.length / this.reductionFactor));
    return loss <= losses[promotable - 1];
  }
}

export function asha(options: AshaOptions): AshaScheduler {
  return new AshaScheduler(options);
}
