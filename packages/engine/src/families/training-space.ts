import type { ImageAugmentation } from '../train/augment.ts';
import type { FitOptions } from '../train/fit.ts';
import type { LrSchedule } from '../train/schedule.ts';
import { resolveConfig, type Config, type SearchSpace } from './space.ts';

/** Trainer hyperparameters shared by every family, as plain data like the families' spaces. */
export const TRAINING_SPACE: SearchSpace = Object.freeze([
  { name: 'learningRate', type: 'float', low: 1e-4, high: 3e-2, log: true, default: 1e-3 },
  { name: 'batchSize', type: 'categorical', choices: [16, 32, 64, 128], default: 32 },
  { name: 'lrSchedule', type: 'categorical', choices: ['constant', 'cosine', 'plateau'], default: 'constant' },
  { name: 'augment', type: 'categorical', choices: ['none', 'flip', 'light', 'strong'], default: 'none', description: 'images only' },
  { name: 'classWeights', type: 'categorical', choices: ['none', 'balanced'], default: 'none' },
]);

export const AUGMENT_PRESETS: Readonly<Record<string, ImageAugmentation | undefined>> = Object.freeze({
  none: undefined,
  flip: { flip: true },
  light: { flip: true, rotationDegrees: 8, zoom: 0.1, brightness: 0.1, contrast: 0.1 },
  strong: { flip: true, rotationDegrees: 20, zoom: 0.2, translate: 0.1, brightness: 0.2, contrast: 0.2 },
});

/**
 * Trainer options a family's own space may carry (transfer-head's `labelSmoothing`): allowed in a training config
 * beside TRAINING_SPACE's names, so a trial of that family gets them through `TrialRequest.training`.
 */
export const FAMILY_TRAINER_KEYS: readonly string[] = Object.freeze(['labelSmoothing']);

/** Trainer options for a sampled (possibly partial) training config. */
export function trainingOptionsFromConfig(config: Config = {}): Pick<FitOptions, 'learningRate' | 'batchSize' | 'lrSchedule' | 'augment' | 'classWeights' | 'labelSmoothing'> {
  const { labelSmoothing, ...rest } = config;
  if (labelSmoothing !== undefined && !(typeof labelSmoothing === 'number' && labelSmoothing >= 0 && labelSmoothing < 1)) {
    throw new Error(`training: labelSmoothing must be a number in [0, 1) (got ${JSON.stringify(labelSmoothing)}).`);
  }
  const c = resolveConfig(TRAINING_SPACE, rest, 'training');
  return {
    ...(labelSmoothing !== undefined ? { labelSmoothing } : {}),
    learningRate: c.learningRate as number,
    batchSize: c.batchSize as number,
    lrSchedule: { type: c.lrSchedule } as LrSchedule,
    augment: AUGMENT_PRESETS[c.augment as string],
    classWeights: c.classWeights === 'balanced' ? 'balanced' : undefined,
  };
}
