import { shuffleInPlace, type Random } from '../util/random.ts';

export interface TrainValidationSplit {
  trainIndices: number[];
  validationIndices: number[];
}

/**
 * Stratified split: each class gives round(count · fraction) samples to validation, at least one
 * when it has two or more (so every class is measured) and never all of them (so every class is
 * learned). Both index lists come back shuffled.
 */
export function stratifiedSplit(targets: readonly number[], validationFraction: number, random: Random): TrainValidationSplit {
  if (!(validationFraction >= 0 && validationFraction < 1)) {
    throw new Error(`validationSplit must be in [0, 1) (got ${validationFraction}).`);
  }
  const byClass = new Map<number, number[]>();
  targets.forEach((target, index) => {
    const members = byClass.get(target);
    if (members) members.push(index);
    else byClass.set(target, [index]);
  });
  const trainIndices: number[] = [];
  const validationIndices: number[] = [];
  for (const target of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = shuffleInPlace(byClass.get(target)!, random);
    let validationCount = validationFraction === 0 ? 0 : Math.round(members.length * validationFraction);
    if (validationFraction > 0 && members.length >= 2) validationCount = Math.min(Math.max(validationCount, 1), members.length - 1);
    validationIndices.push(...members.slice(0, validationCount));
    trainIndices.push(...members.slice(validationCount));
  }
  return { trainIndices: shuffleInPlace(trainIndices, random), validationIndices: shuffleInPlace(validationIndices, random) };
}

/**
 * Like stratifiedSplit, but whole groups go to one side: `groups[i]` names the recording sample i came from
 * (overlapping motion windows of one recording would otherwise leak into validation and flatter it). Groups
 * are stratified by their first sample's label and the fraction counts groups, not samples. Without `groups`
 * it is exactly stratifiedSplit (same random draws).
 */
export function groupedStratifiedSplit(targets: readonly number[], groups: ArrayLike<number> | undefined, validationFraction: number, random: Random): TrainValidationSplit {
  if (!groups) return stratifiedSplit(targets, validationFraction, random);
  if (groups.length !== targets.length) throw new Error(`groups has ${groups.length} entries; there are ${targets.length} samples.`);
  const members = new Map<number, number[]>();
  for (let i = 0; i < groups.length; i++) {
    const list = members.get(groups[i]);
    if (list) list.push(i);
    else members.set(groups[i], [i]);
  }
  const keys = [...members.keys()].sort((a, b) => a - b);
  const byGroup = stratifiedSplit(keys.map((key) => targets[members.get(key)![0]]), validationFraction, random);
  const expand = (positions: number[]) => shuffleInPlace(positions.flatMap((p) => members.get(keys[p])!), random);
  return { trainIndices: expand(byGroup.trainIndices), validationIndices: expand(byGroup.validationIndices) };
}

/**
 * Stratified k-fold: `k` disjoint validation folds covering every sample once, each class dealt round-robin over
 * the folds (from a rotating start, so fold sizes differ by at most one), whole groups on one side as in
 * groupedStratifiedSplit. Fold i's split trains on the other k − 1 folds.
 */
export function stratifiedFolds(targets: readonly number[], groups: ArrayLike<number> | undefined, k: number, random: Random): TrainValidationSplit[] {
  if (!(Number.isInteger(k) && k >= 2)) throw new Error(`folds must be an integer ≥ 2 (got ${k}).`);
  if (groups && groups.length !== targets.length) throw new Error(`groups has ${groups.length} entries; there are ${targets.length} samples.`);
  // Units are samples, or groups of samples (a recording's windows) when groups are given.
  const units = new Map<number, number[]>();
  targets.forEach((_, i) => {
    const key = groups ? groups[i] : i;
    const list = units.get(key);
    if (list) list.push(i);
    else units.set(key, [i]);
  });
  const byClass = new Map<number, number[][]>();
  for (const key of [...units.keys()].sort((a, b) => a - b)) {
    const members = units.get(key)!;
    const label = targets[members[0]];
    byClass.set(label, [...(byClass.get(label) ?? []), members]);
  }
  const folds: number[][] = Array.from({ length: k }, () => []);
  let next = 0;
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    for (const members of shuffleInPlace(byClass.get(label)!, random)) {
      folds[next].push(...members);
      next = (next + 1) % k;
    }
  }
  return folds.map((validation, i) => ({
    trainIndices: shuffleInPlace(folds.flatMap((fold, j) => (j === i ? [] : fold)), random),
    validationIndices: shuffleInPlace(validation, random),
  }));
}
