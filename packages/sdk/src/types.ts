// Wire types of the Offgrid HTTP API v1: generated from the server's route schemas (generated/api-types.ts, run
// `npm run generate:sdk`), re-exported here under the SDK's public names (`ErrorBody`, every 4xx/5xx answer, is
// generated too). Only what is not an HTTP body (options objects, helpers) is written by hand.
import type {
  ActivateModelRequest, ApiRoutes, CreateProjectRequest, DownloadModelQuery, JobProgress, JobStatus, ListSamplesQuery, Model,
  SendRoundEvaluationRequest, SendRoundUpdateRequest, StartTrainingRequest,
} from './generated/api-types.ts';

export type * from './generated/api-types.ts';

/** A model version as listed by `listModels` / `getModel` (the server's `Model`). */
export type ModelVersion = Model;
export type CreateProjectInput = CreateProjectRequest;
export type TrainingRequest = StartTrainingRequest;
/** Query of `listSamples`. */
export type ListSamplesOptions = ListSamplesQuery;
export type ActivateModelOptions = ActivateModelRequest;
/** A downloadable `.tflite` variant (the download route's `variant` enum). */
export type ModelVariant = NonNullable<DownloadModelQuery['variant']>;
/** What a phone sends after training (`sendRoundUpdate`): the head's change and how many samples made it. */
export type RoundUpdate = SendRoundUpdateRequest;
/** A phone's rating of the averaged head against the base (`sendRoundEvaluation`). */
export type RoundEvaluation = SendRoundEvaluationRequest;
/** The server declares the phase as a free string (`preparing`, `training`, `exporting`, `done`, …). */
export type JobPhase = JobProgress['phase'];

/** A route of the API, e.g. `'GET /projects/{projectId}'`. */
export type ApiRoute = keyof ApiRoutes;
/** The JSON answered by a route with a 2xx status (the union when there are several). */
export type ApiResponse<R extends ApiRoute> = ApiRoutes[R]['responses'][keyof ApiRoutes[R]['responses'] & SuccessStatus];
type SuccessStatus = 200 | 201 | 202 | 204;

const FINAL_STATUSES: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'cancelled']);

/** True once a job can no longer change. */
export function isFinalJobStatus(status: JobStatus): boolean {
  return FINAL_STATUSES.has(status);
}
