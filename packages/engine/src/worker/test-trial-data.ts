// Small seeded trial data the worker tests share.
import { createRandom } from '../util/random.ts';
import type { TrialRequest } from './trial-protocol.ts';

/** Three Gaussian blobs in 6 features (a tiny table). */
export function blobs(count: number): TrialRequest['data'] {
  const random = createRandom(3);
  const x = new Float32Array(count * 6);
  const targets = Array.from({ length: count }, (_, i) => i % 3);
  targets.forEach((t, i) => { for (let f = 0; f < 6; f++) x[i * 6 + f] = (f % 3 === t ? 1.5 : 0) + (random.next() - 0.5); });
  return { x, shape: [6], targets };
}
