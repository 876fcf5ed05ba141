import { OffgridApiError, isAbortError } from './errors.ts';
import { readSseEvents } from './sse.ts';
import { isFinalJobStatus } from './types.ts';
import type { Job } from './types.ts';

export type JobListener = (job: Job) => void;

/** How job updates arrive, best first: a WebSocket, Server-Sent Events, or asking `GET /jobs/:id` every interval. */
export type JobTransport = 'websocket' | 'sse' | 'polling';

/** `live`: the transport delivers updates; `reconnecting`: it broke and is being opened again (or polling failed to reach the server). */
export interface JobConnection {
  transport: JobTransport;
  state: 'live' | 'reconnecting';
}

/**
 * The part of the browser `WebSocket` the watcher uses (also what Node's `ws` package implements). Declared here
 * so the SDK needs no DOM or Node types.
 */
export interface WebSocketLike {
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** What `watchJob` needs from the client; kept narrow so the watcher is testable on its own. */
export interface JobWatchTransport {
  /** Opens `GET /jobs/:id/socket`; absent where there is no WebSocket (Node 20). */
  openSocket?(jobId: string): WebSocketLike;
  /** Opens `GET /jobs/:id/events`; resolves to the SSE body or rejects. */
  openEvents(jobId: string, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>>;
  getJob(jobId: string, signal?: AbortSignal): Promise<Job>;
  pollIntervalMs: number;
}

export interface WatchJobOptions {
  signal?: AbortSignal;
  /** Told which transport delivers (`live`) and when it is reconnecting, so a UI can say whether updates are real time. */
  onConnection?(connection: JobConnection): void;
}

/** What one connection of a streaming transport achieved. */
interface Attempt {
  /** The transport opened (the socket connected, the SSE response arrived). */
  opened: boolean;
  final?: Job;
}

/** A streaming transport that broke without delivering anything new is tried this many times in a row, then the next one. */
const MAX_ATTEMPTS_WITHOUT_NEWS = 2;
/** Polling after network failures waits up to this long between tries (the job keeps running on the server). */
const MAX_POLL_BACKOFF_MS = 15_000;

/**
 * Follows a job until it reaches a final status and resolves with that job. Transports, best first: the WebSocket
 * (where `openSocket` exists), then SSE, then polling `GET /jobs/:id`. A transport that cannot open is left at
 * once; one that breaks is reconnected (after `pollIntervalMs`) as long as each connection brings news, else the
 * next one takes over. Polling rides out network failures (backoff) and throws other errors (404, 401).
 * Identical consecutive states (a reconnect's first message, an unchanged poll) are reported once.
 */
export async function watchJob(
  transport: JobWatchTransport,
  jobId: string,
  onUpdate: JobListener,
  options: WatchJobOptions = {},
): Promise<Job> {
  const { signal, onConnection } = options;
  let lastSeen = '';
  let news: boolean; // set before each connection, by `report`
  const report = (job: Job) => {
    const fingerprint = JSON.stringify(job);
    if (fingerprint === lastSeen) return;
    lastSeen = fingerprint;
    news = true;
    onUpdate(job);
  };

  const streams: [JobTransport, (report: JobListener) => Promise<Attempt>][] = [];
  const { openSocket } = transport;
  if (openSocket) streams.push(['websocket', (onJob) => followSocket(() => openSocket(jobId), onJob, signal)]);
  streams.push(['sse', (onJob) => followEvents(transport, jobId, onJob, signal)]);

  for (const [name, follow] of streams) {
    let attemptsWithoutNews = 0;
    while (attemptsWithoutNews < MAX_ATTEMPTS_WITHOUT_NEWS) {
      news = false;
      let live = false;
      const attempt = await follow((job) => {
        if (!live) {
          live = true;
          onConnection?.({ transport: name, state: 'live' });
        }
        report(job);
      });
      if (attempt.final) return attempt.final;
      if (!attempt.opened) break; // refused or unreachable: the next transport, at once
      attemptsWithoutNews = news ? 0 : attemptsWithoutNews + 1;
      onConnection?.({ transport: name, state: 'reconnecting' });
      await delay(transport.pollIntervalMs, signal);
    }
  }
  return pollJob(transport, jobId, report, signal, onConnection);
}

/** One WebSocket connection: resolves when it closes (or at the final status), rejects only on abort. */
function followSocket(open: () => WebSocketLike, onJob: JobListener, signal?: AbortSignal): Promise<Attempt> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    let socket: WebSocketLike;
    try {
      socket = open();
    } catch {
      return resolve({ opened: false }); // e.g. a URL the constructor refuses
    }
    let opened = false;
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    const onAbort = () => settle(() => {
      socket.close();
      reject(abortReason(signal));
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.addEventListener('open', () => {
      opened = true;
    });
    socket.addEventListener('message', (event) => {
      if (settled) return;
      let job: Job;
      try {
        job = JSON.parse(typeof event.data === 'string' ? event.data : String(event.data)) as Job;
      } catch {
        socket.close(1002, 'not a job'); // the close handler moves on
        return;
      }
      onJob(job);
      if (isFinalJobStatus(job.status)) {
        settle(() => resolve({ opened: true, final: job }));
        socket.close(1000);
      }
    });
    // A refused upgrade or lost network fires 'error' then 'close': the close decides.
    socket.addEventListener('error', () => undefined);
    socket.addEventListener('close', () => settle(() => resolve({ opened })));
  });
}

/** One SSE connection, read through fetch (EventSource cannot send the key). */
async function followEvents(transport: JobWatchTransport, jobId: string, onJob: JobListener, signal?: AbortSignal): Promise<Attempt> {
  let opened = false;
  try {
    const stream = await transport.openEvents(jobId, signal);
    opened = true;
    for await (const event of readSseEvents(stream)) {
      if (event.event !== 'job') continue;
      const job = JSON.parse(event.data) as Job;
      onJob(job);
      if (isFinalJobStatus(job.status)) return { opened, final: job };
    }
  } catch (error) {
    if (signal?.aborted || isAbortError(error)) throw abortReason(signal, error);
    // Any other failure: reconnect or the next transport.
  }
  return { opened };
}

async function pollJob(
  transport: JobWatchTransport,
  jobId: string,
  onJob: JobListener,
  signal?: AbortSignal,
  onConnection?: WatchJobOptions['onConnection'],
): Promise<Job> {
  let failures = 0;
  let state: JobConnection['state'] | undefined;
  const tell = (next: JobConnection['state']) => {
    if (state !== next) onConnection?.({ transport: 'polling', state: (state = next) });
  };
  for (;;) {
    let job: Job;
    try {
      job = await transport.getJob(jobId, signal);
    } catch (error) {
      if (signal?.aborted || !(error instanceof OffgridApiError && error.status === 0)) throw error;
      failures++;
      tell('reconnecting');
      await delay(Math.min(MAX_POLL_BACKOFF_MS, transport.pollIntervalMs * 2 ** Math.min(failures, 10)), signal);
      continue;
    }
    failures = 0;
    tell('live');
    onJob(job);
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
