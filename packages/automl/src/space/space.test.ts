import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../math/random.ts';
import { activeValues, buildConfig, defineSpace, type ConfigOf } from './define.ts';
import { categoricalParam, conditionalParam, floatParam, intParam } from './params.ts';
import { sampleUniform } from './uniform.ts';
import { assertValidConfig, validateConfig } from './validate.ts';

const space = defineSpace({
  learningRate: floatParam(1e-4, 1e-1, { log: true }),
  batchSize: categoricalParam([16, 32, 64]),
  family: conditionalParam({
    cnn: { filters: intParam(8, 64, { step: 8 }), kernelSize: categoricalParam([3, 5]) },
    mobilenet: { alpha: categoricalParam([0.35, 0.5, 1]) },
    mlp: { hiddenUnits: intParam(16, 512, { log: true }) },
  }),
});

const sample = (seed: number) => {
  const rng = createRng(seed);
  return buildConfig(space, (site) => sampleUniform(site.def, rng)) as ConfigOf<typeof space>;
};

test('configs are typed as a discriminated union over the family', () => {
  const config = sample(1);
  // Compile-time check: each branch exposes exactly its own parameters.
  if (config.family === 'cnn') {
    const filters: number = config.filters;
    const kernel: 3 | 5 = config.kernelSize;
    assert.ok(filters >= 8 && [3, 5].includes(kernel));
  } else if (config.family === 'mlp') {
    const units: number = config.hiddenUnits;
    assert.ok(units >= 16);
  }
  const lr: number = config.learningRate;
  assert.ok(lr > 0);
});

test('sampled configs are flat, JSON round-trippable, valid, and hold only the active branch', () => {
  const families = new Set<string>();
  for (let seed = 0; seed < 200; seed++) {
    const config = sample(seed);
    assert.deepEqual(JSON.parse(JSON.stringify(config)), config);
    assert.deepEqual(validateConfig(space, config), []);
    families.add(config.family);
    const expectedKeys = { cnn: ['filters', 'kernelSize'], mobilenet: ['alpha'], mlp: ['hiddenUnits'] }[config.family];
    assert.deepEqual(Object.keys(config).sort(), ['batchSize', 'family', 'learningRate', ...expectedKeys].sort());
  }
  assert.deepEqual([...families].sort(), ['cnn', 'mlp', 'mobilenet']);
});

test('numeric draws respect bounds, step and log scale', () => {
  const rng = createRng(3);
  const stepped = intParam(8, 64, { step: 8 });
  const logInt = intParam(1, 1000, { log: true });
  const logFloat = floatParam(1e-5, 1, { log: true });
  let belowOnePercent = 0;
  for (let i = 0; i < 2000; i++) {
    const s = sampleUniform(stepped, rng) as number;
    assert.ok(s >= 8 && s <= 64 && s % 8 === 0);
    const n = sampleUniform(logInt, rng) as number;
    assert.ok(Number.isInteger(n) && n >= 1 && n <= 1000);
    const f = sampleUniform(logFloat, rng) as number;
    assert.ok(f >= 1e-5 && f <= 1);
    if (f < 0.01) belowOnePercent++;
  }
  // Log-uniform over 5 decades puts 3/5 of the draws below 0.01; linear would put ~1%.
  assert.ok(belowOnePercent > 1000 && belowOnePercent < 1400, `${belowOnePercent}`);
});

test('validateConfig names each problem', () => {
  const errors = validateConfig(space, { learningRate: 2, batchSize: 8, family: 'cnn', filters: 12, alpha: 0.5 });
  assert.deepEqual(errors, [
    '"learningRate" must be within 0.0001..0.1, got 2',
    '"batchSize" must be one of [16,32,64], got 8',
    '"filters" must be 8 plus a multiple of 8, got 12',
    '"kernelSize" is missing',
    '"alpha" is not a parameter of this space (or not active for the chosen branch)',
  ]);
  assert.deepEqual(validateConfig(space, { learningRate: 0.01, batchSize: 16, family: 'rnn' }), ['"family" must be one of ["cnn","mobilenet","mlp"], got "rnn"']);
  assert.throws(() => assertValidConfig(space, { learningRate: 0.01 }), /Invalid config.*"batchSize" is missing/);
});

test('parameter ids are paths, so the same key in two branches is two parameters', () => {
  const twoBranches = defineSpace({
    family: conditionalParam({ a: { width: intParam(1, 4) }, b: { width: intParam(10, 40) } }),
  });
  assert.deepEqual([...activeValues(twoBranches, { family: 'b', width: 20 }).keys()], ['family', 'family=b/width']);
  assert.deepEqual(validateConfig(twoBranches, { family: 'a', width: 20 }), ['"width" must be within 1..4, got 20']);
});

test('definitions refuse what cannot be sampled, and say how to fix it', () => {
  assert.throws(() => intParam(0, 10, { step: 3 }), /did you mean high=9/);
  assert.throws(() => intParam(0, 10, { log: true }), /low >= 1/);
  assert.throws(() => floatParam(0, 1, { log: true }), /low > 0/);
  assert.throws(() => floatParam(1, 1), /low < high/);
  assert.throws(() => categoricalParam([]), /at least one/);
  assert.throws(() => categoricalParam([1, 1]), /distinct/);
  assert.throws(() => defineSpace({ units: intParam(1, 2), family: conditionalParam({ a: { units: intParam(1, 2) } }) }), /rename one/);
});
