export { classificationReport, argMaxRows } from './metrics.ts';
export type { ClassificationReport, ClassMetrics } from './metrics.ts';
