/**
 * Parameter definitions of a search space and the builders that create them. Definitions are plain data
 * (JSON-serializable), so a space can be fingerprinted, stored with a study and shown in a UI.
 */

/** A value a categorical parameter may take; configs stay JSON-serializable. */
export type Scalar = string | number | boolean;

export interface CategoricalParam<T extends Scalar = Scalar> {
  readonly kind: 'categorical';
  readonly choices: readonly T[];
}

export interface IntParam {
  readonly kind: 'int';
  readonly low: number;
  readonly high: number;
  /** Grid spacing from `low`; 1 unless given. Log-scaled ints use step 1 (as Optuna does). */
  readonly step: number;
  /** Sample uniformly in log space (for quantities like hidden units that matter by ratio). */
  readonly log: boolean;
}

export interface FloatParam {
  readonly kind: 'float';
  readonly low: number;
  readonly high: number;
  /** Sample uniformly in log space (learning rates, weight decay). */
  readonly log: boolean;
}

/**
 * A choice between named sub-spaces, e.g. the model family: the config holds the branch name under this
 * parameter's key, plus the chosen branch's own parameters (and only those).
 */
export interface ConditionalParam<Branches extends Readonly<Record<string, SpaceShape>> = Readonly<Record<string, SpaceShape>>> {
  readonly kind: 'conditional';
  readonly branches: Branches;
}

export type ParamDef = CategoricalParam | IntParam | FloatParam | ConditionalParam;

/** The parameters of one (sub-)space, by config key. */
export interface SpaceShape {
  readonly [key: string]: ParamDef;
}

/** The parameters that hold a single value (conditional parameters hold a branch name and a sub-space). */
export type LeafParam = CategoricalParam | IntParam | FloatParam;

export function categoricalParam<const T extends readonly Scalar[]>(choices: T): CategoricalParam<T[number]> {
  if (choices.length === 0) throw new Error('categoricalParam needs at least one choice.');
  if (new Set(choices).size !== choices.length) throw new Error(`categoricalParam choices must be distinct, got ${JSON.stringify(choices)}.`);
  for (const choice of choices) {
    if (typeof choice === 'number' && !Number.isFinite(choice)) throw new Error(`categoricalParam choices must be finite numbers, got ${choice}.`);
  }
  return { kind: 'categorical', choices: [...choices] };
}

export function intParam(low: number, high: number, options: { step?: number; log?: boolean } = {}): IntParam {
  const step = options.step ?? 1;
  const log = options.log ?? false;
  if (!Number.isInteger(low) || !Number.isInteger(high) || !Number.isInteger(step)) {
    throw new Error(`intParam bounds and step must be integers, got low=${low} high=${high} step=${step}.`);
  }
  if (!(low <= high)) throw new Error(`intParam needs low <= high, got low=${low} high=${high}.`);
  if (step < 1) throw new Error(`intParam step must be >= 1, got ${step}.`);
  if ((high - low) % step !== 0) {
    throw new Error(`intParam range ${low}..${high} is not a multiple of step ${step}; did you mean high=${high - ((high - low) % step)}?`);
  }
  if (log && low < 1) throw new Error(`intParam with log: true needs low >= 1, got ${low}.`);
  if (log && step !== 1) throw new Error('intParam cannot combine log: true with a step other than 1.');
  return { kind: 'int', low, high, step, log };
}

export function floatParam(low: number, high: number, options: { log?: boolean } = {}): FloatParam {
  const log = options.log ?? false;
  if (!Number.isFinite(low) || !Number.isFinite(high) || !(low < high)) {
    throw new Error(`floatParam needs finite low < high, got low=${low} high=${high}.`);
  }
  if (log && low <= 0) throw new Error(`floatParam with log: true needs low > 0, got ${low}.`);
  return { kind: 'float', low, high, log };
}

export function conditionalParam<const Branches extends Readonly<Record<string, SpaceShape>>>(branches: Branches): ConditionalParam<Branches> {
  if (Object.keys(branches).length === 0) throw new Error('conditionalParam needs at least one branch.');
  return { kind: 'conditional', branches };
}
