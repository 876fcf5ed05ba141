import { cnn1dFamily } from './cnn1d.ts';
import { linearFamily } from './linear.ts';
import type { ModelFamily } from './family.ts';
import { mlpFamily } from './mlp.ts';
import { mobileNetFamily } from './mobilenet.ts';
import { smallCnnFamily } from './small-cnn.ts';
import { textFamily } from './text.ts';
import { transferHeadFamily } from '../transfer/head.ts';

/** Every model family the engine trains, by name. Frozen: adding a family is adding one line here. */
export const MODEL_FAMILIES = Object.freeze({
  'small-cnn': smallCnnFamily,
  mobilenet: mobileNetFamily,
  mlp: mlpFamily,
  linear: linearFamily,
  cnn1d: cnn1dFamily,
  text: textFamily,
} as const satisfies Record<string, ModelFamily>);

export type FamilyName = keyof typeof MODEL_FAMILIES;

/**
 * Families a trial can train: MODEL_FAMILIES, plus `transfer-head`, which trains on frozen-backbone embeddings
 * (the pipeline's embedding pass gives its data). It stays out of MODEL_FAMILIES because those take a
 * modality's samples as they are; a trial over embeddings is trained the same way as any vector family.
 */
const TRIAL_FAMILIES: Readonly<Record<string, ModelFamily>> = Object.freeze({ ...MODEL_FAMILIES, [transferHeadFamily.name]: transferHeadFamily });

export function getFamily(name: string): ModelFamily {
  const family = TRIAL_FAMILIES[name];
  if (!family) throw new Error(`Unknown model family "${name}" (known: ${Object.keys(TRIAL_FAMILIES).join(', ')}).`);
  return family;
}
