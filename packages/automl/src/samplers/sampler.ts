/** What a sampler sees and returns. Samplers are pure given their seed: no I/O, no clock. */
import type { Config, SearchSpace } from '../space/define.ts';

/** A trial as the samplers learn from it. */
export interface ObservedTrial {
  readonly number: number;
  readonly config: Config;
  /** Lower is better: the search driver negates metrics that are maximized. */
  readonly loss: number;
  /** Resource (epochs, data fraction) at which `loss` was measured; results at a higher resource rank first. */
  readonly resource: number;
  /** False when the trial violated a constraint: it ranks below every feasible trial. */
  readonly feasible: boolean;
}

export interface SampleRequest {
  readonly space: SearchSpace;
  /** Seeds the draw, so trial N gets the same random numbers whether or not the search was resumed. */
  readonly trialNumber: number;
  readonly history: readonly ObservedTrial[];
}

export interface Sampler {
  readonly name: string;
  sample(request: SampleRequest): Config;
}
