import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { commitWithoutFsync, type Db } from '../storage/database.ts';
import { OffgridError } from '../errors.ts';

/**
 * admin: everything but the worker routes; device: a phone, its projects; worker: an \`offgrid worker\` on another
 * machine, which takes queued training work and reads only what that work needs (never a project, key or model).
 */
export type KeyScope = 'admin' | 'device' | 'worker';

export interface ApiKeyRecord {
  id: string;
  scope: KeyScope;
  name: string;
  /** Device keys: the projects the key may reach; worker keys: none ([]). Admin keys reach every project and carry none. */
  projectIds?: string[];
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
    const found = this.db
      .prepare('SELECT id, scope, name FROM api_keys WHERE hash = ? AND revoked_at IS NULL')
      .get(hashOf(apiKey)) as ApiKeyRecord | undefined;
    const row = found && withProjects(found, this.projectIdsOf(found));
    if (row && now - (this.lastUsedWritten.get(row.id) ?? 0) >= LAST_USED_RESOLUTION_MS) {
      this.lastUsedWritten.set(row.id, now);
      // A timestamp is not worth an fsync on the main thread (up to 51 ms under load): power loss may cost the last one.
      commitWithoutFsync(this.db, () => this.db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(new Date(now).toISOString(), row.id));
    }
    return row;
  }

  list(): ApiKeyInfo[] {
    const rows = this.db.prepare('SELECT id, scope, name, created_at, last_used_at, revoked_at FROM api_keys ORDER BY created_at, id').all() as KeyRow[];
    return rows.map((row) => toInfo(row, this.projectIdsOf(row)));
  }

  get(id: string): ApiKeyInfo {
    const row = this.db.prepare('SELECT id, scope, name, created_at, last_used_at, revoked_at FROM api_keys WHERE id = ?').get(id) as KeyRow | undefined;
    if (!row) throw new OffgridError('NOT_FOUND', `No API key with id ${id}. List keys with GET /api/v1/keys.`);
    return toInfo(row, this.projectIdsOf(row));
  }

  /** Whether a key of this scope exists and is not revoked (the coordinator keeps Redis users for these only). */
  isActive(id: string, scope: KeyScope): boolean {
    return this.db.prepare('SELECT 1 FROM api_keys WHERE id = ? AND scope = ? AND revoked_at IS NULL').get(id, scope) !== undefined;
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

  /** A one-time link for a phone; the device key it buys reaches `projectIds` (and the projects that phone creates). */
  createPairingToken(projectIds: readonly string[] = [], now = Date.now()): { token: string; expiresAt: string } {
    const token = secret('pair');
    const expiresAt = new Date(now + PAIRING_TTL_MS).toISOString();
    this.db.prepare('INSERT INTO pairing_tokens (hash, expires_at, project_ids) VALUES (?, ?, ?)').run(hashOf(token), expiresAt, JSON.stringify(projectIds));
    return { token, expiresAt };
  }

  /** Spends a one-time pairing token on a new device key; undefined if the token is unknown, used or expired. */
  exchangePairingToken(token: string, deviceName: string, now = Date.now()): { apiKey: string; record: ApiKeyRecord } | undefined {
    return this.db.transaction(() => {
      const spent = this.db
        .prepare('UPDATE pairing_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ?')
        .run(new Date(now).toISOString(), hashOf(token), new Date(now).toISOString());
      if (spent.changes !== 1) return undefined;
      const { project_ids: projectIds } = this.db.prepare('SELECT project_ids FROM pairing_tokens WHERE hash = ?').get(hashOf(token)) as { project_ids: string };
      const paired = this.create('device', deviceName);
      // A project deleted since the link was made is skipped, not an error: the rest of the link still works.
      for (const projectId of JSON.parse(projectIds) as string[]) this.grant(paired.record.id, projectId);
      return { apiKey: paired.apiKey, record: { ...paired.record, projectIds: this.projectIdsOf(paired.record) } };
    })();
  }

  /** Lets a device key reach a project (it created it, was paired for it, or an admin widened its scope). */
  grant(keyId: string, projectId: string): void {
    this.db.prepare('INSERT OR IGNORE INTO api_key_projects (key_id, project_id) SELECT ?, id FROM projects WHERE id = ?').run(keyId, projectId);
  }

  /** Replaces a device key's projects (admin). Unknown project ids are refused, so a typo cannot pass silently. */
  setProjects(keyId: string, projectIds: readonly string[]): ApiKeyInfo {
    return this.db.transaction(() => {
      const key = this.get(keyId);
      if (key.scope !== 'device') throw new OffgridError('VALIDATION', 'Only device keys have a project scope; an admin key reaches every project.');
      const known = new Set((this.db.prepare('SELECT id FROM projects').all() as { id: string }[]).map((row) => row.id));
      const unknown = projectIds.filter((id) => !known.has(id));
      if (unknown.length > 0) throw new OffgridError('NOT_FOUND', `No project with id ${unknown.join(', ')}. List projects with GET /api/v1/projects.`);
      this.db.prepare('DELETE FROM api_key_projects WHERE key_id = ?').run(keyId);
      for (const projectId of new Set(projectIds)) this.grant(keyId, projectId);
      return this.get(keyId);
    })();
  }

  private projectIdsOf(key: { id: string; scope: KeyScope }): string[] | undefined {
    if (key.scope === 'admin') return undefined;
    return (this.db.prepare('SELECT project_id FROM api_key_projects WHERE key_id = ? ORDER BY project_id').all(key.id) as { project_id: string }[]).map((row) => row.project_id);
  }
}

function withProjects<T extends object>(key: T, projectIds: string[] | undefined): T & { projectIds?: string[] } {
  return projectIds ? { ...key, projectIds } : key;
}

function toInfo(row: KeyRow, projectIds: string[] | undefined): ApiKeyInfo {
  return {
    id: row.id, scope: row.scope, name: row.name, createdAt: row.created_at, ...(projectIds ? { projectIds } : {}),
    ...(row.last_used_at ? { lastUsedAt: row.last_used_at } : {}), ...(row.revoked_at ? { revokedAt: row.revoked_at } : {}),
  };
}
