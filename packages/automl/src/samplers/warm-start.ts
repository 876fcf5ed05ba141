import type { Config } from '../space/define.ts';
import { assertValidConfig } from '../space/validate.ts';
import type { Sampler } from './sampler.ts';

/**
 * Proposes known-good configs first (e.g. each family's defaults), then hands over to `then`. Short budgets
 * fit only a few trials; spending them on random start-up draws (a diverging learning rate, a huge dense
 * layer) wastes the whole run. Keyed by trial number, so a resumed search proposes the same trials.
 */
export function warmStartSampler(configs: readonly Config[], then: Sampler): Sampler {
  return {
    name: `warm-start(${configs.length}) → ${then.name}`,
    sample(request) {
      const config = configs[request.trialNumber];
      if (!config) return then.sample(request);
      assertValidConfig(request.space, config);
      return config;
    },
  };
}
