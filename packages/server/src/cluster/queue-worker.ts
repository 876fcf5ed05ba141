import { redactRedisUrl, redisConnection } from './redis-url.ts';
import { startTrialWorker, type TrialWorkerOptions } from './trial-worker.ts';
import { WorkerRefusedError } from './http-worker-link.ts';

/** Where a worker learns its queue connection: the coordinator's `/worker/queue` (HttpWorkerLink.queue). */
export interface QueueSource {
  queue(): Promise<{ redisUrl: string; queueName: string }>;
}

export interface QueueWorkerOptions extends Omit<TrialWorkerOptions, 'connection' | 'onError'> {
  source: QueueSource;
  /** The queue's connection as already fetched from `source` (the worker command asks before its accelerator self-test). */
  initial: { redisUrl: string };
  /** Errors of the Redis connection (it reconnects by itself meanwhile) and of credential refreshes. */
  onError: (error: Error) => void;
  /** A refresh gave new credentials and the BullMQ worker restarted with them (the worker's log says so). */
  onRestart?: (redisUrl: string) => void;
  /** The coordinator refused the key while refreshing (revoked): the worker has stopped pulling trials. */
  onRefused?: (error: WorkerRefusedError) => void;
  /** First wait between refreshes; doubles while they fail, up to 30 s. */
  refreshDelayMs?: number;
}

/** Redis refuses the login: the user is gone (Redis restarted, the key revoked) or its password changed. */
const LOGIN_REFUSED = /WRONGPASS|NOAUTH/;
const MAX_REFRESH_DELAY_MS = 30_000;

/**
 * A trial worker whose Redis login follows the coordinator. Each worker key has its own Redis user (worker-acl.ts),
 * which Redis forgets when it restarts and the coordinator deletes when the key is revoked; ioredis would then retry
 * the old password forever. On WRONGPASS/NOAUTH this fetches the queue's URL again over HTTPS: the same credentials
 * mean the coordinator has just re-created the user (ioredis's next retry gets in, running trials go on); new ones
 * mean a new password (the coordinator restarted), so the BullMQ worker restarts on them (its running trials stop
 * and are resumed from their checkpoints once their locks lapse); a refusal (401/403: the key is revoked) stops it.
 */
export function startQueueWorker(options: QueueWorkerOptions): { close(): Promise<void>; name: string; redisUrl: string } {
  const { source, initial, onError, onRestart, onRefused, refreshDelayMs = 1000, ...trialOptions } = options;
  let { redisUrl } = initial;
  let closed = false;
  let refreshing = false;
  let nextRefreshAt = 0;
  let delay = refreshDelayMs;

  const start = () => startTrialWorker({ ...trialOptions, connection: redisConnection(redisUrl), onError: onConnectionError });
  let worker = start();
  let restarting: Promise<void> = Promise.resolve();

  function onConnectionError(error: Error) {
    onError(error);
    const now = Date.now();
    if (!LOGIN_REFUSED.test(error.message) || closed || refreshing || now < nextRefreshAt) return;
    // Quiet for a while since the last refresh: this is a new outage, not the same one going on.
    if (now - nextRefreshAt > 2 * MAX_REFRESH_DELAY_MS) delay = refreshDelayMs;
    refreshing = true;
    void refresh().finally(() => { refreshing = false; });
  }

  /** Waits longer before the next refresh, so that a login refused every reconnect (50 ms–2 s) does not ask every time. */
  function backOff() {
    nextRefreshAt = Date.now() + delay;
    delay = Math.min(delay * 2, MAX_REFRESH_DELAY_MS);
  }

  async function refresh() {
    try {
      const fresh = await source.queue();
      backOff();
      if (closed || fresh.redisUrl === redisUrl) return;
      delay = refreshDelayMs;
      redisUrl = fresh.redisUrl;
      const old = worker;
      restarting = restarting.then(async () => {
        await old.close();
        if (closed) return;
        worker = start();
        onRestart?.(redisUrl);
      }).catch(onError); // a failed close must not block every later restart
      await restarting;
    } catch (error) {
      if (error instanceof WorkerRefusedError) {
        closed = true;
        await restarting;
        await worker.close();
        onRefused?.(error);
        return;
      }
      // The coordinator is away too: try again later.
      backOff();
      onError(new Error(`Cannot refresh the queue's credentials (next try in ${Math.round((nextRefreshAt - Date.now()) / 1000)} s or later): ${(error as Error).message}`, { cause: error }));
    }
  }

  return {
    get name() { return worker.name; },
    get redisUrl() { return redactRedisUrl(redisUrl); },
    async close() {
      closed = true;
      await restarting;
      await worker.close();
    },
  };
}
