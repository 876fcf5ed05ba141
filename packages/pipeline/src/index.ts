export { trainPipeline, trialSummary, type PipelineEvent, type PipelinePhase, type TrainPipelineOptions } from './train-pipeline.ts';
export { evaluateOnTest, packageModel, type ModelFiles, type TestEvaluation } from './model-files.ts';
export { renderReportHtml } from './report-html.ts';
export type { EvaluationSummary, TrainReport, TrialSummary } from './report.ts';
export { defaultConfigsFor, searchSpaceFor, splitConfig } from './search-space.ts';
export { readCheckpoint, writeCheckpoint } from './checkpoint-files.ts';
export { SearchProgressTracker, type LeaderboardRow, type SearchProgress } from './search-progress.ts';
