import { createRandom } from '@offgrid/engine';
import type { LoadedDataset } from '@offgrid/engine/data';
import { countMacs, parseModel } from '@offgrid/tflite';
import { calibrationSamples, fileInputs } from './model-files.ts';
import type { ModelFinisher } from './finisher.ts';
import type { ModelView } from './model-input.ts';

/** What the search optimizes: the trial's float32 validation accuracy, or that of its int8 file (slower: every trial is quantized). */
export type SearchObjective = 'float32' | 'int8';

/** Limits a phone imposes; a trial over one is `infeasible` and never wins. */
export interface ModelLimits {
  /** Size of the int8 .tflite file with its metadata, KiB. */
  maxInt8Kb?: number;
  /** Multiply-accumulates of one inference (`countMacs`): a latency proxy that needs no phone. */
  maxMacs?: number;
}

/** The automl constraints for these limits, on the metrics `measureTrialModel` reports. */
export function limitConstraints(limits: ModelLimits | undefined): Record<string, { max: number }> | undefined {
  const constraints: Record<string, { max: number }> = {};
  if (limits?.maxInt8Kb !== undefined) constraints.int8SizeKb = { max: limits.maxInt8Kb };
  if (limits?.maxMacs !== undefined) constraints.macs = { max: limits.maxMacs };
  return Object.keys(constraints).length > 0 ? constraints : undefined;
}

export interface TrialModelMeasures {
  macs: number;
  int8SizeKb?: number;
  valAccuracyInt8?: number;
}

/**
 * Measures a trial's float32 model: MACs always (cheap, from the graph); the int8 file's size and its
 * validation accuracy through LiteRT.js when a size limit or the int8 objective needs them. The int8 file
 * is quantized exactly as the winner's will be, calibrated on the trial's own training samples.
 */
export async function measureTrialModel(
  float32: Uint8Array,
  finisher: ModelFinisher,
  { dataset, view, searchIndices, validationIndices, name, objective, limits, seed }: {
    dataset: LoadedDataset; view: ModelView; searchIndices: number[]; validationIndices: number[]; name: string;
    objective: SearchObjective; limits?: ModelLimits; seed: number;
  },
): Promise<TrialModelMeasures> {
  const macs = countMacs(parseModel(float32));
  if (objective !== 'int8' && limits?.maxInt8Kb === undefined) return { macs };
  const validation = validationIndices.map((i) => searchIndices[i]);
  const held = new Set(validation);
  const training = searchIndices.filter((i) => !held.has(i));
  const files = await finisher.package(float32, dataset, calibrationSamples(view.x, dataset.targets.length, training, createRandom(seed)), name, view.features);
  const int8SizeKb = files.int8.byteLength / 1024;
  if (objective !== 'int8' || validation.length === 0) return { macs, int8SizeKb };
  const { int8 } = await finisher.evaluate(files, { x: fileInputs(view.x, dataset), targets: dataset.targets, labels: dataset.labels }, validation);
  return { macs, int8SizeKb, valAccuracyInt8: int8.accuracy };
}
