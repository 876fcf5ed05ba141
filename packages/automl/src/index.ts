// Search spaces
export { categoricalParam, conditionalParam, floatParam, intParam } from './space/params.ts';
export type { CategoricalParam, ConditionalParam, FloatParam, IntParam, LeafParam, ParamDef, Scalar, SpaceShape } from './space/params.ts';
export { activeValues, buildConfig, defineSpace } from './space/define.ts';
export type { Config, ConfigOf, ParamSite, SearchSpace } from './space/define.ts';
export type { ConfigOfShape } from './space/config-type.ts';
export { assertValidConfig, validateConfig } from './space/validate.ts';

// Samplers
export { randomSampler } from './samplers/random-sampler.ts';
export { rankTrials, tpeSampler } from './samplers/tpe-sampler.ts';
export { warmStartSampler } from './samplers/warm-start.ts';
export type { TpeOptions } from './samplers/tpe-sampler.ts';
export type { ObservedTrial, SampleRequest, Sampler } from './samplers/sampler.ts';

// Schedulers
export { asha, AshaScheduler } from './schedulers/asha.ts';
export type { AshaOptions } from './schedulers/asha.ts';
export { fullResource } from './schedulers/scheduler.ts';
export type { RungDecision, Scheduler } from './schedulers/scheduler.ts';

// Storage
export { MemoryTrialStorage } from './storage/memory-storage.ts';
export { SqliteTrialStorage } from './storage/sqlite-storage.ts';
export { FINAL_TRIAL_STATUSES } from './storage/trial-storage.ts';
export type {
  CheckpointRef,
  Direction,
  EpochReport,
  Metrics,
  RungResult,
  StoredTrial,
  StudyRecord,
  StudySpec,
  TrialRecord,
  TrialStatus,
  TrialStorage,
} from './storage/trial-storage.ts';

// Search driver
export { runSearch } from './search/run-search.ts';
export { buildLeaderboard } from './search/leaderboard.ts';
export type {
  Constraint,
  Constraints,
  LeaderboardEntry,
  Objective,
  RunSearchOptions,
  SearchEvent,
  SearchResult,
  StopReason,
  TrialContext,
} from './search/search-types.ts';
