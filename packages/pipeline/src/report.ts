import type { LoadedDataset } from '@offgrid/engine/data';
import type { WireType } from '@offgrid/features';
import type { preprocessingSchema, trainReportSchema } from './report-schema.ts';

/** Motion models take the normalized window itself (`raw`) or its `spectralFeatures` (`spectral`). */
export type MotionFeatures = 'raw' | 'spectral';

/**
 * What `offgrid train` writes to report.json and report.html shows: the types are derived from the schema in
 * report-schema.ts (one spelling; fields of older reports are optional there).
 */
export type TrainReport = WireType<typeof trainReportSchema>;
/** What the phone (and `offgrid predict`) must run to turn a sample into the model's input: one entry, for the model's kind. */
export type InputPreprocessing = WireType<typeof preprocessingSchema>;
/** Anomaly tasks: how the shipped threshold behaves on data the detector never trained on. */
export type AnomalyMetrics = NonNullable<TrainReport['metrics']['anomaly']>;
export type EvaluationSummary = TrainReport['metrics']['test']['float32'];
export type TrialSummary = TrainReport['trials'][number];
/** Image searches: whether the transfer family competed, why not, and what its embedding pass cost. */
export type TransferSummary = NonNullable<TrainReport['transfer']>;
/**
 * What the splits kept together: `none` (every sample on its own: samples of one person, session or recording may sit
 * on both sides, so validation and test accuracy can flatter), one `recording`'s windows, the groups a `pattern`
 * over file paths named (`offgrid train --group-by`), or a phone's capture `session`s. `groups`: how many there were.
 */
export type SplitGrouping = NonNullable<TrainReport['split']['grouping']>;

/** What the splits kept together, for the report. */
export function groupingOf(dataset: Pick<LoadedDataset, 'groups' | 'groupedBy'>): SplitGrouping {
  if (!dataset.groups) return { by: 'none' };
  const groups = new Set(dataset.groups).size;
  const groupedBy = dataset.groupedBy ?? { by: 'recording' };
  if (groupedBy.by === 'pattern') return { by: 'pattern', pattern: groupedBy.pattern, groups };
  if (groupedBy.by === 'session') return { by: 'session', gapSeconds: groupedBy.gapSeconds, groups };
  return { by: 'recording', groups };
}
