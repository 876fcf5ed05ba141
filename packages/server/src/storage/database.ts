import Database from 'better-sqlite3';
import { chmodSync, close, closeSync, existsSync, fsync, open, openSync } from 'node:fs';
import { promisify } from 'node:util';
import { MIGRATIONS } from './migrations.ts';

export type Db = Database.Database;

const PRIVATE_FILE = 0o600;

/**
 * Opens (or creates) the SQLite file in WAL mode and brings its schema up to date. The file is the server user's
 * only (0600; it holds key hashes and every label): created so before SQLite opens it, since SQLite creates the
 * -wal and -shm files with the database file's mode, and put back to 0600 if an older start left it open to others.
 */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') {
    closeSync(openSync(file, 'a', PRIVATE_FILE));
    for (const path of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(path)) chmodSync(path, PRIVATE_FILE);
  }
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // FULL: a committed sample survives power loss, not only a process crash.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current >= MIGRATIONS.length) return;
  // SQLite's way to rebuild a table others reference (https://sqlite.org/lang_altertable.html#otheralter): foreign
  // keys off outside the transaction (the pragma is a no-op inside one), checked before each commit, on again after.
  db.pragma('foreign_keys = OFF');
  try {
    for (let version = current; version < MIGRATIONS.length; version++) {
      db.transaction(() => {
        db.exec(MIGRATIONS[version]);
        const broken = db.pragma('foreign_key_check') as unknown[];
        if (broken.length > 0) throw new Error(`Migration ${version + 1} would break ${broken.length} foreign key(s): ${JSON.stringify(broken.slice(0, 3))}`);
        db.pragma(`user_version = ${version + 1}`);
      })();
    }
  } finally {
    db.pragma('foreign_keys = ON');
  }
}

/**
 * Runs `write` (synchronous statements) with `synchronous = NORMAL`: its commit appends to the WAL without the
 * fsync that `FULL` does on this (the only) thread. Measured under the load bench, those fsyncs were ~28% of the
 * main thread's time (p50 3 ms, p99 38 ms each, competing with the blob fsyncs), i.e. most of the event-loop delay
 * that metadata reads waited behind. The commit survives a process crash as soon as this returns (the OS has the
 * bytes); for power loss, await `fsyncWal(db)` before acknowledging, or accept the loss (progress ticks, last-used
 * times). Everything else keeps `FULL`.
 */
export function commitWithoutFsync<T>(db: Db, write: () => T): T {
  db.pragma('synchronous = NORMAL');
  try {
    return write();
  } finally {
    db.pragma('synchronous = FULL');
  }
}

const walSyncs = new WeakMap<Db, WalSync>();
// Plain descriptors rather than fs/promises FileHandles: this runs for every upload, and each FileHandle is an
// object the GC must track and finalize.
const openFile = promisify(open);
const fsyncFile = promisify(fsync);
const closeFile = promisify(close);

/**
 * Resolves once everything committed so far is on disk: the WAL file fsynced on libuv's thread pool, not on the
 * main thread. That is what `synchronous = FULL` would have done at commit (SQLite's WAL recovery keeps every
 * checksummed frame that reached the disk; checkpoints sync the WAL themselves before copying it). Concurrent
 * callers share fsyncs (group commit).
 */
export function fsyncWal(db: Db): Promise<void> {
  let sync = walSyncs.get(db);
  if (!sync) walSyncs.set(db, (sync = new WalSync(`${db.name}-wal`)));
  return sync.sync();
}

class WalSync {
  private running?: Promise<void>;
  private next?: Promise<void>;

  constructor(private readonly walPath: string) {}

  sync(): Promise<void> {
    if (!this.running) {
      this.running = this.fsync().finally(() => (this.running = undefined));
      return this.running;
    }
    // The fsync in progress may have started before this caller's commit: one more after it, shared by all who wait now.
    this.next ??= this.running.then(() => undefined, () => undefined).then(() => {
      this.next = undefined;
      return this.sync();
    });
    return this.next;
  }

  private async fsync(): Promise<void> {
    const fd = await openFile(this.walPath, 'r+');
    try {
      await fsyncFile(fd);
    } finally {
      await closeFile(fd);
    }
  }
}
