import type { OperatorDef, TfliteModel } from './model.ts';

/** Drops tensors no operator, input or output refers to (what cutting a graph leaves behind) and renumbers the rest in order. */
export function pruneTensors(model: TfliteModel): TfliteModel {
  const used = new Set<number>([...model.inputs, ...model.outputs]);
  for (const op of model.operators) for (const i of [...op.inputs, ...op.outputs]) if (i >= 0) used.add(i);
  const kept = model.tensors.map((_, i) => i).filter((i) => used.has(i));
  const renumber = new Map(kept.map((old, index) => [old, index]));
  const map = (i: number): number => (i < 0 ? i : renumber.get(i)!);
  return {
    ...model,
    tensors: kept.map((i) => model.tensors[i]),
    operators: model.operators.map((op) => ({ ...op, inputs: op.inputs.map(map), outputs: op.outputs.map(map) }) as OperatorDef),
    inputs: model.inputs.map(map),
    outputs: model.outputs.map(map),
  };
}
