import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { commitWithoutFsync, type Db } from '../storage/database.ts';
import { OffgridError } from '../errors.ts';

export type KeyScope = 'admin' | 'device';

export interface ApiKeyRecord {
  id: string;
  scope: KeyScope;
  name: string;
}

/** What an admin sees about a key: never the secret (only its hash is stored). */
export interface ApiKeyInfo extends ApiKeyRecord {
  createdAt: string;
  lastUsedAt?: string;
  revokedAt?: string;
}

interface KeyRow {
  id: string;
  scope: KeyScope;
  name: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

const PAIRING_TTL_MS = 10 * 60 * 1000;
/**
 * last_used_at is written at most this often per key: 20 phones uploading must not pay a synchronous SQLite
 * write per request for a timestamp shown at minute precision (and the write skips the fsync, see verify).
 */
const LAST_USED_RESOLUTION_MS = 30_000;

/** Keys and pairing tokens are 32 random bytes; only their sha256 is stored, so a stolen database grants nothing. */
function secret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

function hashOf(secretValue: string): string {
  return createHash('sha256').update(secretValue).digest('hex');
}

export class KeyStore {
  private readonly lastUsedWritten = new Map<string, number>();

  constructor(private readonly db: Db) {}

  create(scope: KeyScope, name: string): { apiKey: string; record: ApiKeyRecord } {
    const apiKey = secret('og');
    const record = { id: randomUUID(), scope, name };
    this.db
      .prepare('INSERT INTO api_keys (id, hash, scope, name, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(record.id, hashOf(apiKey), scope, name, new Date().toISOString());
    return { apiKey, record };
  }

  hasAdmin(): boolean {
    return this.db.prepare("SELECT 1 FROM api_keys WHERE scope = 'admin' AND revoked_at IS NULL").get() !== undefined;
  }

  /** The key's record if it is valid and not revoked; records when it was last used. */
  verify(apiKey: string, now = Date.now()): ApiKeyRecord | undefined {
    const row = this.db
      .prepare('SELECT id, scope, name FROM api_keys WHERE hash = ? AND revoked_at IS NULL')
      .get(hashOf(apiKey)) as ApiKeyRecord | undefined;
    if (row && now - (this.lastUsedWritten.get(row.id) ?? 0) >= LAST_USED_RESOLUTION_MS) {
      this.lastUsedWritten.set(row.id, now);
      // A timestamp is not worth an fsync on the main thread (up to 51 ms under load): power loss may cost the last one.
      commitWithoutFsync(this.db, () => this.db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(new Date(now).toISOString(), row.id));
    }
    return row;
  }

  list(): ApiKeyInfo[] {
    const rows = this.db.prepare('SELECT id, scope, name, created_at, last_used_at, revoked_at FROM api_keys ORDER BY created_at, id').all() as KeyRow[];
    return rows.map(toInfo);
  }

  get(id: string): ApiKeyInfo {
    const row = this.db.prepare('SELECT id, scope, name, created_at, last_used_at, revoked_at FROM api_keys WHERE id = ?').get(id) as KeyRow | undefined;
    if (!row) throw new OffgridError('NOT_FOUND', `No API key with id ${id}. List keys with GET /api/v1/keys.`);
    return toInfo(row);
  }

  /** Revokes a key at once (the next request with it gets 401). The last admin key cannot go: nobody could pair phones any more. */
  revoke(id: string, now = Date.now()): ApiKeyInfo {
    return this.db.transaction(() => {
      const key = this.get(id);
      if (key.revokedAt) return key;
      if (key.scope === 'admin') {
        const { n } = this.db.prepare("SELECT COUNT(*) AS n FROM api_keys WHERE scope = 'admin' AND revoked_at IS NULL").get() as { n: number };
        if (n <= 1) throw new OffgridError('CONFLICT', 'This is the last admin key; revoking it would lock everyone out. Create another admin key first.');
      }
      this.db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ?').run(new Date(now).toISOString(), id);
      return this.get(id);
    })();
  }

  createPairingToken(now = Date.now()): { token: string; expiresAt: string } {
    const token = secret('pair');
    const expiresAt = new Date(now + PAIRING_TTL_MS).toISOString();
    this.db.prepare('INSERT INTO pairing_tokens (hash, expires_at) VALUES (?, ?)').run(hashOf(token), expiresAt);
    return { token, expiresAt };
  }

  /** Spends a one-time pairing token on a new device key; undefined if the token is unknown, used or expired. */
  exchangePairingToken(token: string, deviceName: string, now = Date.now()): { apiKey: string; record: ApiKeyRecord } | undefined {
    return this.db.transaction(() => {
      const spent = this.db
        .prepare('UPDATE pairing_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ?')
        .run(new Date(now).toISOString(), hashOf(token), new Date(now).toISOString());
      return spent.changes === 1 ? this.create('device', deviceName) : undefined;
    })();
  }
}

function toInfo(row: KeyRow): ApiKeyInfo {
  return {
    id: row.id, scope: row.scope, name: row.name, createdAt: row.created_at,
    ...(row.last_used_at ? { lastUsedAt: row.last_used_at } : {}), ...(row.revoked_at ? { revokedAt: row.revoked_at } : {}),
  };
}
