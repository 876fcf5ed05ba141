/**
 * Hyperparameter spaces as plain data, so `@offgrid/automl` can sample them without knowing TF.js.
 * A config is a flat record of the sampled values, keyed by parameter name.
 */
export type HyperParameter =
  | { name: string; type: 'int'; low: number; high: number; log?: boolean; default: number; description?: string }
  | { name: string; type: 'float'; low: number; high: number; log?: boolean; default: number; description?: string }
  | { name: string; type: 'categorical'; choices: readonly (number | string | boolean)[]; default: number | string | boolean; description?: string };

export type ConfigValue = number | string | boolean;
export type Config = Readonly<Record<string, ConfigValue>>;
export type SearchSpace = readonly HyperParameter[];

/** Every parameter at its default. */
export function defaultConfig(space: SearchSpace): Record<string, ConfigValue> {
  return Object.fromEntries(space.map((p) => [p.name, p.default]));
}

/**
 * Fills missing parameters with defaults and checks every value against the space, so a trial
 * with a typo fails before training ("Did you mean …?" beats a silent default).
 */
export function resolveConfig(space: SearchSpace, config: Readonly<Record<string, ConfigValue | undefined>> = {}, owner = 'config'): Record<string, ConfigValue> {
  const known = new Set(space.map((p) => p.name));
  for (const key of Object.keys(config)) {
    if (!known.has(key)) throw new Error(`${owner}: unknown hyperparameter "${key}" (known: ${[...known].join(', ')}).`);
  }
  const resolved = defaultConfig(space);
  for (const p of space) {
    const value = config[p.name];
    if (value === undefined) continue;
    if (p.type === 'categorical') {
      if (!p.choices.includes(value)) throw new Error(`${owner}: ${p.name} = ${JSON.stringify(value)} is not one of ${JSON.stringify(p.choices)}.`);
    } else {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${owner}: ${p.name} must be a number (got ${JSON.stringify(value)}).`);
      if (p.type === 'int' && !Number.isInteger(value)) throw new Error(`${owner}: ${p.name} must be an integer (got ${value}).`);
      if (value < p.low || value > p.high) throw new Error(`${owner}: ${p.name} = ${value} is outside [${p.low}, ${p.high}].`);
    }
    resolved[p.name] = value;
  }
  return resolved;
}

export const num = (config: Config, name: string): number => config[name] as number;
