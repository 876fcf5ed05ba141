import { cnn1dFamily } from './cnn1d.ts';
import { linearFamily } from './linear.ts';
import type { ModelFamily } from './family.ts';
import { mlpFamily } from './mlp.ts';
import { mobileNetFamily } from './mobilenet.ts';
import { smallCnnFamily } from './small-cnn.ts';
import { textFamily } from './text.ts';

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

export function getFamily(name: string): ModelFamily {
  const family = (MODEL_FAMILIES as Record<string, ModelFamily>)[name];
  if (!family) throw new Error(`Unknown model family "${name}" (known: ${Object.keys(MODEL_FAMILIES).join(', ')}).`);
  return family;
}
