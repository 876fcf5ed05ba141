import { createRng, mixSeed } from '../math/random.ts';
import { buildConfig } from '../space/define.ts';
import { sampleUniform } from '../space/uniform.ts';
import type { Sampler } from './sampler.ts';

/** Independent uniform draws (log-uniform where declared); the baseline every other sampler must beat. */
export function randomSampler(options: { seed?: number } = {}): Sampler {
  const seed = options.seed ?? 0;
  return {
    name: 'random',
    sample({ space, trialNumber }) {
      const rng = createRng(mixSeed(seed, trialNumber));
      return buildConfig(space, (site) => sampleUniform(site.def, rng));
    },
  };
}
