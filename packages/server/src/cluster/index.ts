export { startCoordinator, type Coordinator, type CoordinatorOptions } from './coordinator.ts';
export { startTrialWorker, QUEUE_NAME } from './trial-worker.ts';
export { startQueueWorker, type QueueSource, type QueueWorkerOptions } from './queue-worker.ts';
export { HttpWorkerLink, WorkerRefusedError, type HttpLinkOptions } from './http-worker-link.ts';
export { redisConnection, redactRedisUrl } from './redis-url.ts';
