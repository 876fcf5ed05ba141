import type { Metrics } from '../storage/trial-storage.ts';
import type { Constraints } from './search-types.ts';

/** Human-readable violations among the constrained metrics present in `metrics`. */
export function constraintViolations(constraints: Constraints | undefined, metrics: Metrics): string[] {
  const violations: string[] = [];
  for (const [name, { min, max }] of Object.entries(constraints ?? {})) {
    const value = metrics[name];
    if (value === undefined) continue;
    if (max !== undefined && !(value <= max)) violations.push(`${name} ${value} > max ${max}`);
    if (min !== undefined && !(value >= min)) violations.push(`${name} ${value} < min ${min}`);
  }
  return violations;
}

/** Constrained metrics the objective did not report, which would let a trial dodge its constraints. */
export function missingConstrainedMetrics(constraints: Constraints | undefined, metrics: Metrics): string[] {
  return Object.keys(constraints ?? {}).filter((name) => metrics[name] === undefined);
}
