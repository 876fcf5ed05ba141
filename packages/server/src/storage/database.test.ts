import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { commitWithoutFsync, fsyncWal, openDatabase } from './database.ts';

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
