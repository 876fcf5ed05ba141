import { Redis, type RedisOptions } from 'ioredis';

/**
 * `redis://[:password@]host:port` (or `rediss://` for TLS) as ioredis options. A URL that cannot work is refused
 * here, at start-up, with the fix, instead of as a connection loop later.
 */
export function redisConnection(url: string): RedisOptions & { host: string; port: number } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`The queue "${redactRedisUrl(url)}" is not a URL: use redis://[:password@]host:port, e.g. redis://:secret@192.168.1.10:6379.`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new Error(`The queue URL must start with redis:// (or rediss:// for TLS), not ${parsed.protocol}//.`);
  if (!parsed.hostname) throw new Error('The queue URL names no host: use redis://[:password@]host:port.');
  const port = parsed.port ? Number(parsed.port) : 6379;
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''), port,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    // BullMQ's workers block on Redis and must wait through a restart rather than fail the command.
    maxRetriesPerRequest: null,
  };
}

/**
 * A client of its own for each BullMQ part (queue, events, worker): BullMQ in native ESM cannot load ioredis
 * itself and takes built clients. Its errors (Redis restarting, a wrong password) go to `onError`; it reconnects by itself.
 */
export function redisClient(options: RedisOptions, onError: (error: Error) => void): Redis {
  const client = new Redis(options);
  client.on('error', onError);
  return client;
}

/** Closes a client we made (BullMQ leaves clients it was given open); a connection already gone is fine. */
export async function closeClient(client: Redis): Promise<void> {
  await client.quit().catch(() => client.disconnect());
}

/** The URL with its password replaced, for logs and error messages. */
export function redactRedisUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/[^:@/]*:)[^@]*@/, '$1***@');
}
