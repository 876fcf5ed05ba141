import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initWasmBackend } from '../backend/init-wasm.ts';
import { mlpFamily } from '../families/mlp.ts';
import { createRandom } from '../util/random.ts';
import { fit } from './fit.ts';
import { groupedStratifiedSplit, stratifiedFolds, stratifiedSplit } from './split.ts';

/** 12 recordings (6 per label) of 3–7 windows each. */
function recordings(): { targets: number[]; groups: number[] } {
  const targets: number[] = [];
  const groups: number[] = [];
  for (let g = 0; g < 12; g++) for (let w = 0; w < 3 + (g % 5); w++) { targets.push(g % 2); groups.push(g); }
  return { targets, groups };
}

const straddling = (groups: number[], a: number[], b: number[]) => {
  const side = new Set(a.map((i) => groups[i]));
  return [...new Set(b.map((i) => groups[i]))].filter((g) => side.has(g));
};

test('groupedStratifiedSplit keeps each group on one side, stratified by label; without groups it is stratifiedSplit', () => {
  const { targets, groups } = recordings();
  for (const seed of [1, 2, 3]) {
    const split = groupedStratifiedSplit(targets, groups, 0.34, createRandom(seed));
    assert.deepEqual(straddling(groups, split.trainIndices, split.validationIndices), []);
    assert.deepEqual([...split.trainIndices, ...split.validationIndices].sort((a, b) => a - b), targets.map((_, i) => i));
    const validationGroups = new Set(split.validationIndices.map((i) => groups[i]));
    assert.equal(validationGroups.size, 4, '2 of 6 recordings per label');
    assert.deepEqual(new Set(split.validationIndices.map((i) => targets[i])), new Set([0, 1]));
  }
  assert.deepEqual(groupedStratifiedSplit(targets, undefined, 0.2, createRandom(5)), stratifiedSplit(targets, 0.2, createRandom(5)));
  assert.throws(() => groupedStratifiedSplit(targets, [1, 2], 0.2, createRandom(5)), /groups has 2 entries; there are 57 samples/);
});

test("fit's validation split follows data.groups", async () => {
  await initWasmBackend();
  const { targets, groups } = recordings();
  const x = Float32Array.from({ length: targets.length * 4 }, (_, i) => targets[Math.floor(i / 4)] + (i % 4) * 0.1);
  const result = await fit({ x, shape: [4], targets, groups }, (seed) => mlpFamily.build({ layers: 1, units: 16 }, [4], 2, seed), { numClasses: 2, budgetSeconds: 5, epochs: 1, seed: 7 });
  assert.deepEqual(straddling(groups, result.split.trainIndices, result.split.validationIndices), []);
  assert.ok(result.split.validationIndices.length > 0);
  result.model.dispose();
});

test('stratifiedFolds: every sample validated exactly once, classes spread evenly, groups kept whole, seeded', () => {
  const targets = Array.from({ length: 53 }, (_, i) => (i < 40 ? 0 : i < 50 ? 1 : 2));
  const folds = stratifiedFolds(targets, undefined, 5, createRandom(3));
  assert.equal(folds.length, 5);
  const validated = folds.flatMap((f) => f.validationIndices).sort((a, b) => a - b);
  assert.deepEqual(validated, targets.map((_, i) => i), 'each sample in exactly one validation fold');
  for (const fold of folds) {
    assert.equal(fold.trainIndices.length + fold.validationIndices.length, targets.length);
    assert.ok(!fold.trainIndices.some((i) => fold.validationIndices.includes(i)), 'train and validation disjoint');
    const count = (label: number) => fold.validationIndices.filter((i) => targets[i] === label).length;
    assert.equal(count(0), 8, '40 of class 0 over 5 folds');
    assert.equal(count(1), 2, '10 of class 1 over 5 folds');
  }
  const sizes = folds.map((f) => f.validationIndices.length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `fold sizes ${sizes}`);
  assert.deepEqual(stratifiedFolds(targets, undefined, 5, createRandom(3)), folds, 'same seed, same folds');

  const { targets: windows, groups } = recordings();
  for (const fold of stratifiedFolds(windows, groups, 3, createRandom(4))) {
    assert.deepEqual(straddling(groups, fold.trainIndices, fold.validationIndices), []);
  }
  assert.throws(() => stratifiedFolds(targets, undefined, 1, createRandom(0)), /folds must be an integer ≥ 2/);
});
