import { categoricalParam, conditionalParam, defineSpace, floatParam, intParam } from '@offgrid/automl';
import { defaultConfig, getFamily, MODEL_FAMILIES, TRAINING_SPACE, type HyperParameter, type SampleKind } from '@offgrid/engine';
import type { Modality } from '@offgrid/features';

/**
 * Families worth searching for each kind of data; the order is the order of the first trials. Motion: cnn1d on
 * the raw windows and mlp on their spectral features (see model-input.ts). Audio: cnn1d over the log-mel frames
 * and small-cnn over the log-mel as a one-channel picture.
 */
const FAMILIES_FOR: Record<Modality, readonly (keyof typeof MODEL_FAMILIES)[]> = {
  image: ['small-cnn', 'mobilenet'],
  tabular: ['linear', 'mlp'],
  audio: ['cnn1d', 'small-cnn'],
  motion: ['cnn1d', 'mlp'],
  text: ['text'],
};

/** The sample kinds a family may take for each modality (motion windows become vectors for mlp, audio's log-mel a one-channel grid). */
const SAMPLE_KINDS: Record<Modality, readonly SampleKind[]> = {
  image: ['grid'], tabular: ['vector'], audio: ['sequence', 'grid'], motion: ['sequence', 'vector'], text: ['tokens'],
};

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

/**
 * What a search may add to a kind's families: `transfer` = the image search's embedding pass fitted the budget, so
 * `transfer-head` trials (on the embeddings, not the pictures) compete too.
 */
export interface SearchFamilies { transfer?: boolean }

const TRANSFER_FAMILY = 'transfer-head';

function familiesFor(kind: Modality, { transfer = false }: SearchFamilies = {}): string[] {
  return [...FAMILIES_FOR[kind], ...(transfer && kind === 'image' ? [TRANSFER_FAMILY] : [])];
}

/** The engine's family spaces and trainer space as one conditional automl space: `family` picks the branch. */
export function searchSpaceFor(kind: Modality, extra: SearchFamilies = {}) {
  const families = familiesFor(kind, extra);
  for (const name of FAMILIES_FOR[kind]) {
    if (!SAMPLE_KINDS[kind].includes(MODEL_FAMILIES[name].sampleKind)) throw new Error(`family ${name} does not take ${kind} data`);
  }
  return defineSpace({
    ...paramsOf(TRAINING_SPACE, (p) => p.name === 'augment' && kind !== 'image'),
    family: conditionalParam(Object.fromEntries(families.map((name) => [name, paramsOf(getFamily(name).space)]))),
  });
}

/** Splits a sampled flat config into the engine's family name, family config and trainer config. */
export function splitConfig(config: Record<string, unknown>): { family: string; familyConfig: Record<string, number | string | boolean>; training: Record<string, number | string | boolean> } {
  const familyConfig: Record<string, number | string | boolean> = {};
  const training: Record<string, number | string | boolean> = {};
  const family = String(config.family);
  for (const [key, value] of Object.entries(config)) {
    if (key === 'family') continue;
    // transfer-head's label smoothing is a trainer option that lives in its space (engine FAMILY_TRAINER_KEYS).
    const trainer = TRAINING_KEYS.has(key) || (family === TRANSFER_FAMILY && key === 'labelSmoothing');
    (trainer ? training : familyConfig)[key] = value as number | string | boolean;
  }
  // A head trains on embedding vectors: image augmentation has nothing to flip (the space still samples it for images).
  if (family === TRANSFER_FAMILY && 'augment' in training) training.augment = 'none';
  return { family, familyConfig, training };
}

/**
 * Further known-good starts per kind. Text: max pooling and a 10x learning rate — before the average left <PAD> out,
 * the family's defaults (average over mostly-padding positions, lr 1e-3) barely moved in a short budget (measured: 50%
 * on two topics after 27 epochs, where this start reached 100%); it stays as the alternative to averaging.
 */
const EXTRA_STARTS: Partial<Record<Modality, Record<string, number | string | boolean>[]>> = {
  text: [{ family: 'text', pooling: 'max', learningRate: 0.01 }],
};

/**
 * Starts that replace the families' defaults as the very first trials. Tables: a small table's epoch is a handful of
 * optimizer steps (8 for 120 rows), so the defaults' learning rate (1e-3) leaves softmax regression and the MLP far
 * from converged within the 27-epoch rungs; a 10–30× rate gets there, and the MLP starts regularized (weight decay,
 * input noise) because a few hundred rows are what it overfits. The defaults still follow.
 */
const FIRST_STARTS: Partial<Record<Modality, Record<string, number | string | boolean>[]>> = {
  // fastText's recipe (the average of word + character n-gram embeddings) wants a high rate, and a short search
  // ships trials of a few epochs: on the bench's fold 0 after 3 epochs, lr 0.02 / 0.03 reached 69.7 / 76.8% test on
  // the fortunes (77.6% at dim 32) and lr 1e-3 needed 20 epochs for 74.5% on Debian descriptions, where 0.03 had
  // 80% (bench/automl/RESULTS.md). 0.03 is the training space's top. Two starts: the search runs two trials at once.
  text: [{ family: 'text', learningRate: 0.03 }, { family: 'text', learningRate: 0.03, embeddingDim: 32 }],
  // The second start is a wide one-layer MLP at 3e-3 with dropout and input noise: on digits (bench/automl/RESULTS.md,
  // "A wide MLP start") the 2 × 128 MLP at 0.01 scored about level with softmax regression at the 3-epoch rung
  // (95.8 / 95.1% vs 95.2 / 95.6%, 3-fold CV on two folds' training files) and oscillated after it (94.4–96.2% at 27),
  // so ASHA pruned it and TPE then sampled only `linear`; the wide one led from the first rung (97.1–97.3%) to
  // 98.2–98.3% at 27 epochs, where softmax regression stops at 96.4–96.5%. Its rate decays by a cosine over the
  // 27-epoch rung (train-pipeline.ts CROSS_VALIDATED_COSINE): at a constant rate its last-epoch weights bounced
  // (trained on a whole fold's training file, three seeds: 95.6–97.2% and 95.8–98.3% test on two folds; 96.9–98.1% and
  // 97.8–98.1% with the cosine). It runs beside softmax regression in the search's first pair. The 2 × 128 start
  // stays: on iris's 120 rows it learned faster (94.2% vs 90.8% at 9 epochs).
  tabular: [
    { family: 'linear', learningRate: 0.03 },
    { family: 'mlp', learningRate: 3e-3, lrSchedule: 'cosine', layers: 1, units: 512, dropout: 0.3, l2: 1e-4, inputNoise: 0.2 },
    { family: 'mlp', learningRate: 0.01, l2: 1e-4, inputNoise: 0.1 },
  ],
};

/**
 * Starts of the transfer head, first when it is offered: a head trial costs a second or two (vectors, not pictures),
 * so two of them are cheap. Model Maker's head (linear, label smoothing 0.1) at a 10x learning rate — a linear head
 * over a few hundred embeddings is a convex problem that lr 1e-3 leaves far from converged in a few epochs — and a
 * hidden layer of 128 like Teachable Machine's Dense(100).
 */
const TRANSFER_STARTS: Record<string, number | string | boolean>[] = [
  { family: TRANSFER_FAMILY, learningRate: 0.01 },
  { family: TRANSFER_FAMILY, headUnits: 128 },
];

/** FIRST_STARTS, each family at its defaults (the engine's known-good settings), then EXTRA_STARTS: the first trials of every search. */
export function defaultConfigsFor(kind: Modality, extra: SearchFamilies = {}): Record<string, number | string | boolean>[] {
  const training = defaultConfig(TRAINING_SPACE);
  if (kind !== 'image') delete training.augment;
  const atDefaults = (family: string) => ({ ...training, family, ...defaultConfig(getFamily(family).space) });
  const withDefaults = (start: Record<string, number | string | boolean>) => ({ ...atDefaults(String(start.family)), ...start });
  const transfer = extra.transfer && kind === 'image' ? TRANSFER_STARTS : [];
  return [
    ...transfer.map(withDefaults),
    ...(FIRST_STARTS[kind] ?? []).map(withDefaults),
    ...FAMILIES_FOR[kind].map(atDefaults),
    ...(EXTRA_STARTS[kind] ?? []).map(withDefaults),
  ];
}
