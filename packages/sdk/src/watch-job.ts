import { isAbortError } from './errors.ts';
import { readSseEvents } from './sse.ts';
import { isFinalJobStatus } from './types.ts';
import type { Job } from './types.ts';

export type JobListener = (job: Job) => void;

/** What `watchJob` needs from the client; kept narrow so the watcher is testable on its own. */
export interface JobWatchTransport {
  /** Opens `GET /jobs/:id/events`; resolves to the SSE body or rejects. */
  openEvents(jobId: string, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>>;
  getJob(jobId: string, signal?: AbortSignal): Promise<Job>;
  pollIntervalMs: number;
}

/**
 * Follows a job until it reaches a final status and resolves with that job. Uses the SSE stream; if the stream
 * cannot be opened or breaks before a final status, falls back to polling `GET /jobs/:id`.
 */
export async function watchJob(
  transport: JobWatchTransport,
  jobId: string,
  onUpdate: JobListener,
  signal?: AbortSignal,
): Promise<Job> {
  const final = await streamJob(transport, jobId, onUpdate, signal);
  return final ?? pollJob(transport, jobId, onUpdate, signal);
}

async function streamJob(
  transport: JobWatchTransport,
  jobId: string,
  onUpdate: JobListener,
  signal?: AbortSignal,
): Promise<Job | undefined> {
  try {
    const stream = await transport.openEvents(jobId, signal);
    for await (const event of readSseEvents(stream)) {
      if (event.event !== 'job') continue;
      const job = JSON.parse(event.data) as Job;
      onUpdate(job);
      if (isFinalJobStatus(job.status)) return job;
    }
  } catch (error) {
    if (signal?.aborted || isAbortError(error)) throw abortReason(signal, error);
    // Any other stream failure: polling below still gets the job to its end.
  }
  return undefined;
}

async function pollJob(
  transport: JobWatchTransport,
  jobId: string,
  onUpdate: JobListener,
  signal?: AbortSignal,
): Promise<Job> {
  let lastSeen = '';
  for (;;) {
    const job = await transport.getJob(jobId, signal);
    const fingerprint = JSON.stringify(job);
    if (fingerprint !== lastSeen) {
      lastSeen = fingerprint;
      onUpdate(job);
    }
    if (isFinalJobStatus(job.status)) return job;
    await delay(transport.pollIntervalMs, signal);
  }
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortReason(signal?: AbortSignal, fallback?: unknown): unknown {
  if (signal?.aborted) return signal.reason;
  return fallback ?? new DOMException('The job watch was aborted.', 'AbortError');
}
