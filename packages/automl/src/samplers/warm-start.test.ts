import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineSpace, type Config } from '../space/define.ts';
import { categoricalParam, conditionalParam, floatParam } from '../space/params.ts';
import { randomSampler } from './random-sampler.ts';
import { warmStartSampler } from './warm-start.ts';

const space = defineSpace({
  learningRate: floatParam(1e-4, 1e-1, { log: true }),
  family: conditionalParam({ cnn: { dropout: floatParam(0, 0.5) }, mlp: { units: categoricalParam([16, 64]) } }),
});

test('warm start proposes its configs first, then the wrapped sampler, the same way on every run', () => {
  const defaults: Config[] = [{ learningRate: 1e-3, family: 'cnn', dropout: 0.25 }, { learningRate: 1e-3, family: 'mlp', units: 64 }];
  const sampler = warmStartSampler(defaults, randomSampler({ seed: 4 }));
  const random = randomSampler({ seed: 4 });
  const proposals = [0, 1, 2, 3].map((trialNumber) => sampler.sample({ space, trialNumber, history: [] }));
  assert.deepEqual(proposals.slice(0, 2), defaults);
  assert.deepEqual(proposals[2], random.sample({ space, trialNumber: 2, history: [] }));
  assert.deepEqual(proposals[3], random.sample({ space, trialNumber: 3, history: [] }));
  assert.match(sampler.name, /^warm-start\(2\) → random/);
});

test('a warm-start config outside the space is refused, not trained', () => {
  const sampler = warmStartSampler([{ learningRate: 5, family: 'cnn', dropout: 0.1 }], randomSampler({ seed: 1 }));
  assert.throws(() => sampler.sample({ space, trialNumber: 0, history: [] }), /learningRate/);
});
