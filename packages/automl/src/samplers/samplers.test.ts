import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineSpace, type Config, type SearchSpace } from '../space/define.ts';
import { categoricalParam, conditionalParam, floatParam, intParam } from '../space/params.ts';
import { validateConfig } from '../space/validate.ts';
import { randomSampler } from './random-sampler.ts';
import type { ObservedTrial, Sampler } from './sampler.ts';
import { tpeSampler } from './tpe-sampler.ts';

/** Sequential ask/tell loop: deterministic, no clock, so sampler comparisons are exact. */
function minimize(space: SearchSpace, sampler: Sampler, trials: number, loss: (config: Config) => number): { best: number; history: ObservedTrial[] } {
  const history: ObservedTrial[] = [];
  for (let number = 0; number < trials; number++) {
    const config = sampler.sample({ space, trialNumber: number, history });
    assert.deepEqual(validateConfig(space, config), []);
    history.push({ number, config, loss: loss(config), resource: 1, feasible: true });
  }
  return { best: Math.min(...history.map((t) => t.loss)), history };
}

const plane = defineSpace({ x: floatParam(-5, 5), y: floatParam(-5, 5) });
const quadratic = (c: Config) => ((c.x as number) - 1.3) ** 2 + ((c.y as number) + 2.1) ** 2;

test('random sampler is reproducible per (seed, trial number) and independent of history', () => {
  const a = randomSampler({ seed: 42 });
  const b = randomSampler({ seed: 42 });
  const first = a.sample({ space: plane, trialNumber: 5, history: [] });
  const fake: ObservedTrial = { number: 0, config: first, loss: 1, resource: 1, feasible: true };
  assert.deepEqual(b.sample({ space: plane, trialNumber: 5, history: [fake] }), first);
  assert.notDeepEqual(randomSampler({ seed: 43 }).sample({ space: plane, trialNumber: 5, history: [] }), first);
});

test('TPE is deterministic for a seed', () => {
  const run = () => minimize(plane, tpeSampler({ seed: 9 }), 30, quadratic).history.map((t) => t.config);
  assert.deepEqual(run(), run());
});

test('TPE beats random search on a 2-D quadratic with the same trial budget (average over seeds)', () => {
  const seeds = [1, 2, 3, 4, 5, 6];
  const trials = 60;
  const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / values.length;
  const tpe = mean(seeds.map((seed) => minimize(plane, tpeSampler({ seed }), trials, quadratic).best));
  const random = mean(seeds.map((seed) => minimize(plane, randomSampler({ seed }), trials, quadratic).best));
  assert.ok(tpe < random / 3, `TPE mean best ${tpe.toFixed(4)} vs random ${random.toFixed(4)}`);
});

test('TPE models conditional parameters only where active, and finds the good branch', () => {
  const space = defineSpace({
    family: conditionalParam({
      cnn: { filters: intParam(8, 64, { step: 8 }) },
      mlp: { hiddenUnits: intParam(16, 1024, { log: true }), activation: categoricalParam(['relu', 'tanh']) },
    }),
  });
  // Best: mlp with ~100 units and tanh; every cnn is mediocre.
  const loss = (c: Config) =>
    c.family === 'cnn' ? 1 + Math.abs((c.filters as number) - 32) / 100 : Math.abs(Math.log((c.hiddenUnits as number) / 100)) + (c.activation === 'tanh' ? 0 : 0.5);
  const { history } = minimize(space, tpeSampler({ seed: 3 }), 60, loss);
  const late = history.slice(30);
  assert.ok(late.filter((t) => t.config.family === 'mlp').length >= 20, 'TPE should concentrate on the better family');
  assert.ok(late.filter((t) => t.config.activation === 'tanh').length >= 15);
  assert.ok(Math.min(...history.map((t) => t.loss)) < 0.2);
});

test('TPE treats infeasible trials as the worst, whatever their metric', () => {
  const space = defineSpace({ width: intParam(1, 100) });
  // Wider scores better, but widths above 60 violate a size constraint.
  const history = (markInfeasible: boolean): ObservedTrial[] =>
    Array.from({ length: 40 }, (_, number) => {
      const width = 1 + Math.round((number * 99) / 39);
      const infeasible = markInfeasible && width > 60;
      return { number, config: { width }, loss: infeasible ? Infinity : -width, resource: 1, feasible: !infeasible };
    });
  const draws = (markInfeasible: boolean) => {
    const sampler = tpeSampler({ seed: 5 });
    return Array.from({ length: 30 }, (_, i) => sampler.sample({ space, trialNumber: 100 + i, history: history(markInfeasible) }).width as number);
  };
  const feasibleShare = (widths: number[]) => widths.filter((w) => w <= 60).length / widths.length;
  assert.ok(feasibleShare(draws(true)) >= 0.7, `${draws(true)}`);
  assert.ok(feasibleShare(draws(false)) <= 0.3, `${draws(false)}`);
});

test('TPE ranks results from higher rungs above better-looking results from lower rungs', () => {
  const space = defineSpace({ x: floatParam(0, 1) });
  const history: ObservedTrial[] = [];
  // Trials near x=0.9 survived to resource 9 (with a worse loss than the pruned ones at resource 1).
  for (let number = 0; number < 20; number++) {
    const survived = number % 5 === 0;
    const x = survived ? 0.9 + number / 1000 : number / 40;
    history.push({ number, config: { x }, loss: survived ? 0.5 : 0.1, resource: survived ? 9 : 1, feasible: true });
  }
  const sampler = tpeSampler({ seed: 1, gamma: 0.2 });
  const draws = Array.from({ length: 20 }, (_, i) => sampler.sample({ space, trialNumber: 100 + i, history }).x as number);
  assert.ok(draws.filter((x) => x > 0.75).length >= 15, `${draws}`);
});
