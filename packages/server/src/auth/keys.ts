import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../storage/database.ts';

export type KeyScope = 'admin' | 'device';

export interface ApiKeyRecord {
  id: string;
  scope: KeyScope;
  name: string;
}

const PAIRING_TTL_MS = 10 * 60 * 1000;

/** Keys and pairing tokens are 32 random bytes; only their sha256 is stored, so a stolen database grants nothing. */
function secret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

function hashOf(secretValue: string): string {
  return createHash('sha256').update(secretValue).digest('hex');
}

export class KeyStore {
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
  verify(apiKey: string): ApiKeyRecord | undefined {
    const row = this.db
      .prepare('SELECT id, scope, name FROM api_keys WHERE hash = ? AND revoked_at IS NULL')
      .get(hashOf(apiKey)) as ApiKeyRecord | undefined;
    if (row) this.db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(new Date().toISOString(), row.id);
    return row;
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
