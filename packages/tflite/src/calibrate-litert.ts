/**
 * int8 calibration on LiteRT.js instead of the TypeScript reference interpreter: same ranges
 * (same graph, every activation of it), ~10x faster on large models (MobileNetV2 224x224: ~0.2 s
 * a sample against ~1.3 s). A probe copy of the float model lists every activation as a model
 * output, so one run per sample exposes all of them; the runtime computes, we only scan min/max.
 */
import type { TfliteModel } from './model.ts';
import { MIN_CALIBRATION_SAMPLES, quantizeInt8, sampleInputs, type QuantizeInt8Options } from './quantize.ts';
import { ActivationStats, DEFAULT_RANGE_METHOD, type Range, type RangeMethod } from './activation-ranges.ts';
import { serializeModel } from './writer.ts';
import { TfliteSession } from './litert-node.ts';

/** `calibrate`'s int8 ranges (see `RangeMethod`) and channel means, computed in LiteRT.js. */
export async function calibrateLiteRt(model: TfliteModel, samples: QuantizeInt8Options['representativeData'], method: RangeMethod = DEFAULT_RANGE_METHOD): Promise<(Range | undefined)[]> {
  return (await activationStatsLiteRt(model, samples)).ranges(method);
}

/**
 * The calibration statistics behind `calibrateLiteRt`: one LiteRT.js run per sample, after which
 * `.ranges(method)` gives the ranges of any `RangeMethod` (e.g. to compare methods at the cost of one pass).
 */
export async function activationStatsLiteRt(model: TfliteModel, samples: QuantizeInt8Options['representativeData']): Promise<ActivationStats> {
  if (samples.length < MIN_CALIBRATION_SAMPLES) {
    throw new Error(`int8 quantization needs at least ${MIN_CALIBRATION_SAMPLES} representative samples to calibrate activation ranges (got ${samples.length}); pass more of your training inputs`);
  }
  const activations = [...new Set(model.operators.flatMap((op) => op.outputs))].filter((i) => !model.tensors[i].data && model.tensors[i].dtype === 'float32');
  const stats = new ActivationStats(model);
  // A sample passed several times (a small dataset repeats its inputs to reach the minimum) runs and is scanned once,
  // counted as often as it was passed: the same statistics (histogram bins double in place, so order does not matter).
  const times = new Map<(typeof samples)[number], number>();
  for (const sample of samples) times.set(sample, (times.get(sample) ?? 0) + 1);
  const distinct = [...times.keys()];
  await runWithOutputs(model, activations, distinct, (outputs, inputs, n) => {
    const repeats = times.get(distinct[n])!;
    model.inputs.forEach((index, i) => model.tensors[index].dtype === 'float32' && stats.add(index, inputs[i], repeats));
    outputs.forEach((values, k) => stats.add(activations[k], values as Float32Array, repeats));
  });
  return stats;
}

/**
 * Runs every sample through a probe copy of the float `model` whose outputs are the tensors
 * `outputs` (activations of the graph), handing `read` their values (wasm views, valid during the call).
 */
async function runWithOutputs(model: TfliteModel, outputs: number[], samples: QuantizeInt8Options['representativeData'], read: (values: ArrayLike<number>[], inputs: ArrayLike<number>[], sample: number) => void): Promise<void> {
  // Unique names: signature outputs are keyed by tensor name.
  const tensors = model.tensors.map((t, i) => ({ ...t, name: `t${i}` }));
  // With activations as outputs the runtime falls back to builtin kernels for some ops, and the
  // builtin float DEPTHWISE_CONV_2D refuses a missing bias: give every such op a zero bias.
  const operators = model.operators.map((op) => {
    if ((op.op !== 'CONV_2D' && op.op !== 'DEPTHWISE_CONV_2D' && op.op !== 'FULLY_CONNECTED') || (op.inputs[2] ?? -1) >= 0) return op;
    const weights = model.tensors[op.inputs[1]].shape;
    const channels = op.op === 'DEPTHWISE_CONV_2D' ? weights[3] : weights[0];
    const bias = tensors.push({ name: `t${tensors.length}`, shape: [channels], dtype: 'float32', data: new Uint8Array(channels * 4) }) - 1;
    return { ...op, inputs: [op.inputs[0], op.inputs[1], bias] } as typeof op;
  });
  const probe: TfliteModel = { ...model, tensors, operators, outputs, metadata: [] };
  const session = await TfliteSession.create(serializeModel(probe));
  try {
    for (const [n, sample] of samples.entries()) {
      const inputs = sampleInputs(model, sample);
      await session.runWith(inputs, (values) => {
        if (values.length !== outputs.length) throw new Error(`Calibration probe returned ${values.length} outputs, expected ${outputs.length}`);
        read(values, inputs, n);
      });
    }
  } finally {
    session.close();
  }
}

/** Operators whose int32 bias can absorb a measured output shift. */
const BIASED_OPS = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED']);

export interface EmpiricalBiasOptions {
  /** As `quantizeInt8`'s: the analytical correction the measured shifts come on top of (default true). */
  biasCorrection?: boolean;
  /** As `quantizeInt8`'s: float operators are neither run in int8 nor corrected. */
  floatOperators?: readonly number[];
  /** Called after each corrected layer (operator index, layers done, layers in all), e.g. for progress. */
  onLayer?: (operator: number, done: number, total: number) => void;
}

/**
 * Sequential empirical bias correction, for `quantizeInt8`'s `biasShifts`: for each CONV_2D,
 * DEPTHWISE_CONV_2D and FULLY_CONNECTED in execution order, the int8 graph up to that layer (the
 * layers before it already corrected) runs in LiteRT.js on `samples`, and the mean of its output
 * per channel minus the float model's on the same samples is the shift to remove. `ranges` are
 * the activation ranges the int8 model will use (`calibrateLiteRt`, possibly on more samples);
 * `samples` (≥ 100) may be a subset of the calibration set, to bound the cost. Unlike the analytical correction (Σ Δw · E[x]), this
 * also removes what activation rounding and clipping add, and what reaches a layer from upstream
 * beyond a mean shift (noise rectified by ReLU). Correcting every layer at once from one int8 run
 * would count each upstream shift twice (measured: agreement fell to 68 % on MobileNetV2), hence
 * one run per layer: cost ≈ layers × samples × half a forward pass (measured in
 * bench/export/RESULTS.md). Returns one entry per operator (undefined where nothing is corrected).
 */
export async function empiricalBiasShifts(
  model: TfliteModel,
  samples: QuantizeInt8Options['representativeData'],
  ranges: readonly (Range | undefined)[],
  options: EmpiricalBiasOptions = {},
): Promise<(Float64Array | undefined)[]> {
  if (ranges.length !== model.tensors.length) throw new Error(`empiricalBiasShifts: ${ranges.length} calibrated ranges for ${model.tensors.length} tensors (calibrate this very model)`);
  const floatOps = new Set(options.floatOperators ?? []);
  const layers = model.operators.map((op, n) => n).filter((n) => BIASED_OPS.has(model.operators[n].op) && !floatOps.has(n));
  // The float model's channel means of every corrected output, on these very samples (they may be a subset of the calibration set).
  const layerOutputs = layers.map((n) => model.operators[n].outputs[0]);
  const floatSums = layerOutputs.map((i) => new Float64Array(model.tensors[i].shape.at(-1) ?? 1));
  await runWithOutputs(model, layerOutputs, samples, (outputs) => outputs.forEach((values, k) => addChannelSums(floatSums[k], values)));
  const shifts: (Float64Array | undefined)[] = model.operators.map(() => undefined);
  for (const [done, n] of layers.entries()) {
    const output = layerOutputs[done];
    const floatSum = floatSums[done];
    // The graph up to this layer (operators are in execution order), its output the only model output.
    const prefix: TfliteModel = { ...model, operators: model.operators.slice(0, n + 1), outputs: [output], metadata: [] };
    const int8 = quantizeInt8(prefix, {
      representativeData: samples, ranges, biasCorrection: options.biasCorrection, biasShifts: shifts,
      floatOperators: [...floatOps].filter((k) => k < n),
    });
    const sums = new Float64Array(floatSum.length);
    const session = await TfliteSession.create(serializeModel(int8));
    try {
      for (const sample of samples) {
        await session.runWith(sampleInputs(model, sample), ([values]) => addChannelSums(sums, values));
      }
    } finally {
      session.close();
    }
    // Both sums run over the same samples and positions: their difference over the count is the mean shift.
    const positions = (samples.length * model.tensors[output].shape.reduce((p, d) => p * d, 1)) / sums.length;
    shifts[n] = Float64Array.from(sums, (sum, c) => (sum - floatSum[c]) / positions);
    options.onLayer?.(n, done + 1, layers.length);
  }
  return shifts;
}

/** Adds `values` (channels on the last axis) to per-channel `sums`. */
function addChannelSums(sums: Float64Array, values: ArrayLike<number>): void {
  for (let k = 0, c = 0; k < values.length; k++) {
    sums[c] += values[k];
    if (++c === sums.length) c = 0;
  }
}
