import { categoricalParam, conditionalParam, defineSpace, floatParam, intParam } from '@offgrid/automl';
import { defaultConfig, MODEL_FAMILIES, TRAINING_SPACE, type HyperParameter, type SampleKind } from '@offgrid/engine';

/** Families worth searching for each kind of data; the order is the order of the first trials. */
const FAMILIES_FOR: Record<'image' | 'tabular', readonly (keyof typeof MODEL_FAMILIES)[]> = {
  image: ['small-cnn', 'mobilenet'],
  tabular: ['linear', 'mlp'],
};

const SAMPLE_KIND: Record<'image' | 'tabular', SampleKind> = { image: 'image', tabular: 'vector' };

/**
 * Input resolution stays the data's: resizing inside training would use another resampling than the
 * phone's `preprocessImage`, and the exported model must see exactly what training saw.
 */
const PINNED: Record<string, readonly (number | string | boolean)[]> = { resolution: ['data'] };

function toAutomlParam(p: HyperParameter) {
  if (p.type === 'categorical') return categoricalParam([...(PINNED[p.name] ?? p.choices)]);
  if (p.type === 'int') return intParam(p.low, p.high, { log: p.log });
  return floatParam(p.low, p.high, { log: p.log });
}

function paramsOf(space: readonly HyperParameter[], skip: (p: HyperParameter) => boolean = () => false) {
  return Object.fromEntries(space.filter((p) => !skip(p)).map((p) => [p.name, toAutomlParam(p)]));
}

export const TRAINING_KEYS = new Set(TRAINING_SPACE.map((p) => p.name));

/** The engine's family spaces and trainer space as one conditional automl space: `family` picks the branch. */
export function searchSpaceFor(kind: 'image' | 'tabular') {
  const families = FAMILIES_FOR[kind];
  for (const name of families) {
    if (MODEL_FAMILIES[name].sampleKind !== SAMPLE_KIND[kind]) throw new Error(`family ${name} does not take ${kind} data`);
  }
  return defineSpace({
    ...paramsOf(TRAINING_SPACE, (p) => p.name === 'augment' && kind !== 'image'),
    family: conditionalParam(Object.fromEntries(families.map((name) => [name, paramsOf(MODEL_FAMILIES[name].space)]))),
  });
}

/** Splits a sampled flat config into the engine's family name, family config and trainer config. */
export function splitConfig(config: Record<string, unknown>): { family: string; familyConfig: Record<string, number | string | boolean>; training: Record<string, number | string | boolean> } {
  const familyConfig: Record<string, number | string | boolean> = {};
  const training: Record<string, number | string | boolean> = {};
  for (const [key, value] of Object.entries(config)) {
    if (key === 'family') continue;
    (TRAINING_KEYS.has(key) ? training : familyConfig)[key] = value as number | string | boolean;
  }
  return { family: String(config.family), familyConfig, training };
}

/** Each family at its defaults (the engine's known-good settings): the first trials of every search. */
export function defaultConfigsFor(kind: 'image' | 'tabular'): Record<string, number | string | boolean>[] {
  const training = defaultConfig(TRAINING_SPACE);
  if (kind !== 'image') delete training.augment;
  return FAMILIES_FOR[kind].map((family) => ({ ...training, family, ...defaultConfig(MODEL_FAMILIES[family].space) }));
}
