export { OffgridClient } from './client.ts';
export type { DatasetFile, DownloadedModel, FetchLike, OffgridClientOptions, RequestOptions, UploadSampleOptions } from './client.ts';
export { OffgridApiError, OffgridChecksumError, NETWORK_ERROR_CODE, UNEXPECTED_RESPONSE_CODE } from './errors.ts';
export { SseParser, readSseEvents } from './sse.ts';
export type { SseEvent } from './sse.ts';
export { sha256Hex } from './checksum.ts';
export { isFinalJobStatus } from './types.ts';
export type { JobListener } from './watch-job.ts';
export type * from './types.ts';
