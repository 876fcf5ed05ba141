/**
 * Standardization inside the model: a table classifier is trained on (value − mean) / std per column, and a
 * native app calling the interpreter directly should not have to know that. `withInputStandardization` puts
 * the scaling in front of the graph as two float ops, so the file takes raw feature values.
 */
import type { OperatorDef, TensorDef, TfliteModel } from './model.ts';

export interface FeatureScaling {
  mean: readonly number[];
  std: readonly number[];
}

/**
 * A copy of `model` whose input takes raw values: float MUL (1/std) and ADD (−mean/std) over the last axis,
 * writing the tensor that was the input. Applied after int8 quantization, the int8 graph and its calibration
 * stay as they were (its QUANTIZE reads the standardized tensor): the scaling itself must stay float, since
 * raw columns of very different ranges (wine: proline in the hundreds, hue near 1) cannot share one int8 scale.
 */
export function withInputStandardization(model: TfliteModel, { mean, std }: FeatureScaling): TfliteModel {
  if (model.inputs.length !== 1) throw new Error(`Standardization inside the model needs one input (the model has ${model.inputs.length}).`);
  const standardized = model.inputs[0];
  const input = model.tensors[standardized];
  if (input.dtype !== 'float32') throw new Error(`Standardization inside the model needs a float32 input (this one is ${input.dtype}).`);
  const width = input.shape.at(-1);
  if (width !== mean.length || width !== std.length) throw new Error(`The model takes ${width} features; the scaling has ${mean.length} means and ${std.length} standard deviations.`);
  if (std.some((s) => !(s > 0) || !Number.isFinite(s))) throw new Error('Every standard deviation must be a positive finite number.');
  const constant = (name: string, values: number[]): TensorDef => ({ name, shape: [width], dtype: 'float32', data: new Uint8Array(Float32Array.from(values).buffer) });
  const base = model.tensors.length;
  const [raw, scale, scaled, offset] = [base, base + 1, base + 2, base + 3];
  const tensors: TensorDef[] = [
    ...model.tensors.map((t, i) => (i === standardized ? { ...t, name: `${t.name}_standardized` } : t)),
    { name: input.name, shape: [...input.shape], dtype: 'float32' },
    constant('standardization/inverse_std', std.map((s) => 1 / s)),
    { name: 'standardization/scaled', shape: [...input.shape], dtype: 'float32' },
    constant('standardization/offset', mean.map((m, c) => -m / std[c])),
  ];
  const prefix: OperatorDef[] = [
    { op: 'MUL', inputs: [raw, scale], outputs: [scaled], options: { activation: 'none' } },
    { op: 'ADD', inputs: [scaled, offset], outputs: [standardized], options: { activation: 'none' } },
  ];
  return { ...model, tensors, operators: [...prefix, ...model.operators], inputs: [raw] };
}
