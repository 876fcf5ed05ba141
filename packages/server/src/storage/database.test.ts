import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { commitWithoutFsync, fsyncWal, openDatabase } from './database.ts';
import { MIGRATIONS } from './migrations.ts';

const FULL = 2;
const NORMAL = 1;

test('commitWithoutFsync commits with synchronous=NORMAL and puts FULL back, even when the write throws', () => {
  const dir = mkdtempSync(join(tmpdir(), 'offgrid-db-'));
  try {
    const db = openDatabase(join(dir, 'offgrid.db'));
    assert.equal(db.pragma('synchronous', { simple: true }), FULL);
    const seen = commitWithoutFsync(db, () => {
      db.prepare("INSERT INTO meta (key, value) VALUES ('a', '1')").run();
      return db.pragma('synchronous', { simple: true });
    });
    assert.equal(seen, NORMAL);
    assert.equal(db.pragma('synchronous', { simple: true }), FULL);
    assert.throws(() => commitWithoutFsync(db, () => db.prepare("INSERT INTO meta (key, value) VALUES ('a', '2')").run()), /UNIQUE/);
    assert.equal(db.pragma('synchronous', { simple: true }), FULL);
    db.close();
    // Committed, not lost with the connection: another connection reads it.
    const reader = new Database(join(dir, 'offgrid.db'), { readonly: true });
    assert.deepEqual(reader.prepare("SELECT value FROM meta WHERE key = 'a'").get(), { value: '1' });
    reader.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('fsyncWal: concurrent callers all resolve; a failed fsync is reported and the next call works again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'offgrid-db-'));
  try {
    const db = openDatabase(join(dir, 'offgrid.db'));
    for (let i = 0; i < 20; i++) commitWithoutFsync(db, () => db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(`k${i}`, 'v'));
    await Promise.all(Array.from({ length: 20 }, () => fsyncWal(db)));
    // Without its WAL file the fsync cannot happen: every waiter hears it (no acknowledgement of what is not on disk)…
    renameSync(join(dir, 'offgrid.db-wal'), join(dir, 'moved-wal'));
    const failing = await Promise.allSettled([fsyncWal(db), fsyncWal(db), fsyncWal(db)]);
    assert.deepEqual(failing.map((r) => r.status), ['rejected', 'rejected', 'rejected']);
    assert.match(String((failing[0] as PromiseRejectedResult).reason), /ENOENT/);
    // …and once it is back, syncing works again (a failure does not wedge the shared queue).
    renameSync(join(dir, 'moved-wal'), join(dir, 'offgrid.db-wal'));
    await Promise.all([fsyncWal(db), fsyncWal(db)]);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('migration 7 (worker keys) rebuilds api_keys and keeps every key, its projects and foreign-key enforcement', () => {
  const dir = mkdtempSync(join(tmpdir(), 'offgrid-db-'));
  try {
    const file = join(dir, 'offgrid.db');
    // A database as version 6 left it, with a device key granted a project.
    const old = new Database(file);
    old.pragma('foreign_keys = ON');
    for (const step of MIGRATIONS.slice(0, 6)) old.exec(step);
    old.pragma('user_version = 6');
    old.prepare("INSERT INTO projects (id, name, labels, created_at) VALUES ('p1', 'farm', '[\"a\",\"b\"]', '2026-01-01')").run();
    old.prepare("INSERT INTO api_keys (id, hash, scope, name, created_at, last_used_at) VALUES ('k1', 'h1', 'device', 'phone', '2026-01-01', '2026-01-02')").run();
    old.prepare("INSERT INTO api_key_projects (key_id, project_id) VALUES ('k1', 'p1')").run();
    assert.throws(() => old.prepare("INSERT INTO api_keys (id, hash, scope, name, created_at) VALUES ('w', 'hw', 'worker', 'pc', '2026-01-01')").run(), /CHECK/);
    old.close();

    const db = openDatabase(file);
    assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
    assert.deepEqual(db.prepare('SELECT id, scope, name, last_used_at FROM api_keys').all(), [{ id: 'k1', scope: 'device', name: 'phone', last_used_at: '2026-01-02' }]);
    assert.deepEqual(db.prepare('SELECT key_id, project_id FROM api_key_projects').all(), [{ key_id: 'k1', project_id: 'p1' }]);
    db.prepare("INSERT INTO api_keys (id, hash, scope, name, created_at) VALUES ('w', 'hw', 'worker', 'pc', '2026-01-01')").run();
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1, 'foreign keys are on again after migrating');
    assert.throws(() => db.prepare("INSERT INTO api_key_projects (key_id, project_id) VALUES ('nobody', 'p1')").run(), /FOREIGN KEY/);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('migration 9 detaches a copied model from the other project\'s job and dataset, and keeps every other model as it was', () => {
  const dir = mkdtempSync(join(tmpdir(), 'offgrid-db-'));
  try {
    const file = join(dir, 'offgrid.db');
    const old = new Database(file);
    old.pragma('foreign_keys = ON');
    for (const step of MIGRATIONS.slice(0, 8)) old.exec(step);
    old.pragma('user_version = 8');
    for (const p of ['source', 'clinic']) old.prepare(`INSERT INTO projects (id, name, labels, created_at) VALUES ('${p}', '${p}', '["a","b"]', '2026-01-01')`).run();
    old.prepare("INSERT INTO dataset_snapshots (id, project_id, labels, sample_ids, created_at) VALUES ('d1', 'source', '[]', '[]', '2026-01-01')").run();
    old.prepare("INSERT INTO jobs (id, project_id, dataset_id, request, status, progress, created_at, updated_at) VALUES ('j1', 'source', 'd1', '{}', 'succeeded', '{}', '2026-01-01', '2026-01-01')").run();
    const model = old.prepare("INSERT INTO models (id, project_id, version, job_id, dataset_id, labels, input, metrics, created_at, purged_samples) VALUES (?, ?, 1, 'j1', 'd1', '[]', '{}', '{}', '2026-01-01', ?)");
    model.run('trained', 'source', 2);
    model.run('copy', 'clinic', 0);
    old.close();

    const db = openDatabase(file);
    assert.deepEqual(db.prepare('SELECT id, job_id, dataset_id, purged_samples FROM models ORDER BY id').all(), [
      { id: 'copy', job_id: null, dataset_id: null, purged_samples: 0 },
      { id: 'trained', job_id: 'j1', dataset_id: 'd1', purged_samples: 2 },
    ]);
    assert.throws(() => db.prepare("INSERT INTO models (id, project_id, version, job_id, labels, input, metrics, created_at) VALUES ('x', 'clinic', 2, 'nope', '[]', '{}', '{}', '2026-01-01')").run(), /FOREIGN KEY/);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
