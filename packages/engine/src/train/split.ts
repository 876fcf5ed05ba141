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
