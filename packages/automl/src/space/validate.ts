/** Checks a config against a space: every active parameter present and in range, nothing extra. */
import { activeValues, type Config, type SearchSpace } from './define.ts';
import type { LeafParam, Scalar } from './params.ts';

export function validateConfig(space: SearchSpace, config: Config): string[] {
  const errors: string[] = [];
  if (config === null || typeof config !== 'object' || Array.isArray(config)) return ['config must be a plain object'];
  const active = activeValues(space, config);
  const activeKeys = new Set<string>();
  for (const { site, value } of active.values()) {
    activeKeys.add(site.key);
    if (value === undefined) {
      errors.push(`"${site.key}" is missing`);
      continue;
    }
    const problem = describeInvalidValue(site.def, value);
    if (problem) errors.push(`"${site.key}" ${problem}`);
  }
  for (const key of Object.keys(config)) {
    if (!activeKeys.has(key)) errors.push(`"${key}" is not a parameter of this space (or not active for the chosen branch)`);
  }
  return errors;
}

export function assertValidConfig(space: SearchSpace, config: Config): void {
  const errors = validateConfig(space, config);
  if (errors.length > 0) throw new Error(`Invalid config ${JSON.stringify(config)}: ${errors.join('; ')}.`);
}

function describeInvalidValue(def: LeafParam, value: Scalar): string | undefined {
  switch (def.kind) {
    case 'categorical':
      return def.choices.includes(value) ? undefined : `must be one of ${JSON.stringify(def.choices)}, got ${JSON.stringify(value)}`;
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) return `must be an integer, got ${JSON.stringify(value)}`;
      if (value < def.low || value > def.high) return `must be within ${def.low}..${def.high}, got ${value}`;
      if ((value - def.low) % def.step !== 0) return `must be ${def.low} plus a multiple of ${def.step}, got ${value}`;
      return undefined;
    case 'float':
      if (typeof value !== 'number' || !Number.isFinite(value)) return `must be a finite number, got ${JSON.stringify(value)}`;
      if (value < def.low || value > def.high) return `must be within ${def.low}..${def.high}, got ${value}`;
      return undefined;
  }
}
