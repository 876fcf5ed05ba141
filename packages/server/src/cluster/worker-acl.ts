import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Redis ACL users of worker keys are named after the key's id, so a revoked key names the user to delete. */
export const WORKER_USER_PREFIX = 'offgrid-worker-';
/** BullMQ's default key prefix: a queue's keys are `bull:<queue>:…`, its event channels the same. */
const BULL_PREFIX = 'bull';
/** A refused or unanswered ACL command must not hold an HTTP answer (or a revocation) forever. */
const ACL_TIMEOUT_MS = 10_000;

export const workerUserOf = (keyId: string) => `${WORKER_USER_PREFIX}${keyId}`;

/**
 * What a worker's Redis user may do: the queue's keys and channels, and every command a BullMQ 6 worker sends
 * (its Lua scripts, blocking pops, lock renewal, progress and log events, INFO for the server's version: checked
 * against `ACL LOG` with a real worker in worker-acl.test.ts), nothing else. `-@admin -@dangerous` takes away
 * ACL, CONFIG, FLUSHALL/FLUSHDB, KEYS, CLIENT KILL/LIST, MONITOR, SHUTDOWN, MIGRATE, SORT, SWAPDB; the rest are
 * not in those categories but reach beyond the queue or disturb other clients, and BullMQ uses none of them:
 * SCAN/RANDOMKEY (names of other keys), SELECT (other databases), FUNCTION and SCRIPT FLUSH/KILL (everyone's
 * scripts), PUBSUB (everyone's channels).
 */
export function workerAclRules(queueName: string): string[] {
  const pattern = `${BULL_PREFIX}:${queueName}:*`;
  return [
    `~${pattern}`, `&${pattern}`, '+@all', '-@admin', '-@dangerous', '+info',
    '-scan', '-randomkey', '-select', '-function', '-script|flush', '-script|kill', '-pubsub',
  ];
}

export interface WorkerAccessOptions {
  /** The coordinator's own connection to Redis (the admin password: it runs ACL commands). */
  client: Redis;
  /** The coordinator's queue URL: workers get its host, port and scheme with their own user instead. */
  redisUrl: string;
  queueName: string;
  /** Whether a worker key is valid now (not revoked): read from the key store at each decision. */
  isActive: (keyId: string) => boolean;
}

/**
 * One Redis ACL user per worker key, so that revoking a key also cuts its Redis access (the shared admin
 * password is never handed out). Passwords live only in this process's memory: Redis keeps ACL users in
 * memory too (no aclfile), so after a Redis restart `sync()` creates them again with the same passwords and
 * connected workers get back in without noticing; after a coordinator restart a worker whose reconnect is refused
 * fetches fresh credentials over HTTPS (`/worker/queue`), which makes a new password.
 */
export class WorkerAccess {
  private readonly passwords = new Map<string, string>();

  constructor(private readonly options: WorkerAccessOptions) {}

  /** Creates (or refreshes) the key's Redis user and returns the queue URL to connect with as that user. */
  async credentials(keyId: string): Promise<string> {
    // The key check and the SETUSER it allows are sent in one synchronous step: a revocation (whose DELUSER is
    // queued after its SQLite update) can only come before the check (refused here) or after the SETUSER (deletes it).
    if (!this.options.isActive(keyId)) throw new Error(`The worker key ${keyId} is revoked.`);
    let password = this.passwords.get(keyId);
    if (!password) {
      password = randomBytes(24).toString('hex');
      this.passwords.set(keyId, password);
    }
    await this.withTimeout(this.setUser(keyId, password), `create the Redis user of worker key ${keyId}`);
    const url = new URL(this.options.redisUrl);
    url.username = workerUserOf(keyId);
    url.password = password;
    return url.toString();
  }

  /**
   * Cuts a revoked key off Redis at once: the user is disabled (no new login), its live connections are killed
   * (a BullMQ worker's blocking connection included), then the user is deleted. Done in that order because
   * neither SETUSER nor DELUSER alone ends the connections of every Redis version. When Redis is unreachable the
   * commands wait in the client's queue and `sync()` on the next connection deletes the user anyway.
   */
  async revoke(keyId: string): Promise<void> {
    this.passwords.delete(keyId);
    const user = workerUserOf(keyId);
    const { client } = this.options;
    const cut = Promise.all([
      client.call('ACL', 'SETUSER', user, 'off', 'resetpass'),
      client.call('CLIENT', 'KILL', 'USER', user),
      client.call('ACL', 'DELUSER', user),
    ]);
    await this.withTimeout(cut, `cut the Redis access of worker key ${keyId}`);
  }

  /**
   * Brings Redis's users in line with the keys: called on every (re)connection of the coordinator. Users of keys
   * revoked meanwhile (or while Redis was unreachable) go; users this process handed out come back after a Redis
   * restart (ACL users are not persisted) with their passwords, so their workers reconnect as they are.
   */
  async sync(): Promise<void> {
    const { client, isActive } = this.options;
    const users = (await client.call('ACL', 'USERS')) as string[];
    const jobs: Promise<unknown>[] = [];
    for (const user of users) {
      const keyId = user.startsWith(WORKER_USER_PREFIX) ? user.slice(WORKER_USER_PREFIX.length) : undefined;
      if (keyId && !isActive(keyId)) jobs.push(this.revoke(keyId));
    }
    for (const [keyId, password] of this.passwords) {
      if (isActive(keyId)) jobs.push(this.setUser(keyId, password));
      else jobs.push(this.revoke(keyId));
    }
    await Promise.all(jobs);
  }

  private setUser(keyId: string, password: string): Promise<unknown> {
    // `reset` first: whatever the user had before (an older password, other rules) is gone.
    return this.options.client.call('ACL', 'SETUSER', workerUserOf(keyId), 'reset', 'on', `>${password}`, ...workerAclRules(this.options.queueName));
  }

  private async withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        work,
        new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`Redis did not answer in ${ACL_TIMEOUT_MS / 1000} s`)), ACL_TIMEOUT_MS); }),
      ]);
    } catch (error) {
      work.catch(() => undefined);
      const message = (error as Error).message;
      const hint = /unknown command|NOPERM/i.test(message) ? ' Per-worker users need Redis 6 or later, and a --queue user allowed to run ACL and CLIENT KILL (the default user is).' : '';
      throw new Error(`Cannot ${what}: ${message}.${hint}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }
}
