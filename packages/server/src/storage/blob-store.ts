import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { diskFullError, isDiskFull } from './disk-full.ts';

/** Blobs are the data people uploaded: for the server's user only (a umask can only take bits away from these). */
const PRIVATE_FOLDER = 0o700;
const PRIVATE_FILE = 0o600;

/**
 * Content-addressed files: the name is the sha256 of the bytes, so identical uploads share one file
 * and a reader can always verify what it got. Writes are atomic (temp file, fsync, rename, fsync of the folder), so a
 * crash leaves either the whole blob or nothing.
 *
 * Blobs are shared (two projects, or a sample and a model, may hold the same bytes), so one is deleted
 * only when no row references it. `put`'s commit callback and `deleteIfUnreferenced` are synchronous
 * around a synchronous existence check, so on the one event loop a delete can never slip between
 * "the file is there" and "the row that references it is inserted".
 */
export class BlobStore {
  constructor(readonly root: string) {}

  /** Names of the temp files this store (and the archive import) writes at the root, before renaming or linking them. */
  static readonly TEMP_PREFIXES = ['.tmp-', '.import-', '.probe-'];

  /**
   * Deletes the temp files of writes a crash interrupted (`kill -9` mid-upload leaves one per write in flight; the
   * fault bench counted 21 after three kills). They are never named by a digest, so no reader sees them, but
   * nothing else would ever remove them. Call once at start, before any write: a live write's temp file must stay.
   */
  removeInterruptedWrites(): number {
    let removed = 0;
    const entries = existsSync(this.root) ? readdirSync(this.root, { withFileTypes: true }) : [];
    for (const entry of entries) {
      if (!entry.isFile() || !BlobStore.TEMP_PREFIXES.some((prefix) => entry.name.startsWith(prefix))) continue;
      rmSync(join(this.root, entry.name), { force: true });
      removed++;
    }
    return removed;
  }

  /**
   * Makes the folders of an existing store (from before blobs were private, or made by hand) readable by the
   * server's user only; new ones are created that way. The files inside need no walk: their folders now refuse
   * everyone else. Call once at start.
   */
  makePrivate(): void {
    if (!existsSync(this.root)) return;
    chmodSync(this.root, PRIVATE_FOLDER);
    for (const entry of readdirSync(this.root, { withFileTypes: true })) {
      if (entry.isDirectory()) chmodSync(join(this.root, entry.name), PRIVATE_FOLDER);
    }
  }

  static sha256(bytes: Uint8Array): string {
    return createHash('sha256').update(bytes).digest('hex');
  }

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256 digest: ${sha256}`);
    return join(this.root, sha256.slice(0, 2), sha256);
  }

  /** Stores the bytes (unless already there) and returns their sha256. */
  async put(bytes: Uint8Array): Promise<string> {
    return this.putThen(bytes, (sha256) => sha256);
  }

  /**
   * Stores the bytes, then runs `commit` (synchronous: insert the referencing row) in the same tick as a
   * final check that the file exists, so a concurrent delete cannot orphan the row.
   */
  async putThen<T>(bytes: Uint8Array, commit: (sha256: string) => T): Promise<T> {
    return this.putAllThen([bytes], ([sha256]) => commit(sha256));
  }

  /** `putThen` for several blobs that one row set references together (a model's artifacts). */
  async putAllThen<T>(blobs: readonly Uint8Array[], commit: (sha256s: string[]) => T): Promise<T> {
    const sha256s = blobs.map((bytes) => BlobStore.sha256(bytes));
    const paths = sha256s.map((sha256) => this.pathOf(sha256));
    for (;;) {
      for (const [i, path] of paths.entries()) if (!existsSync(path)) await this.write(path, blobs[i]);
      if (paths.every((path) => existsSync(path))) return commit(sha256s);
    }
  }

  /** Removes the blob unless `isReferenced()` says a row still needs it. Synchronous on purpose (see class comment). */
  deleteIfUnreferenced(sha256: string, isReferenced: () => boolean): boolean {
    if (isReferenced()) return false;
    rmSync(this.pathOf(sha256), { force: true });
    return true;
  }

  async get(sha256: string): Promise<Buffer> {
    return readFile(this.pathOf(sha256));
  }

  async has(sha256: string): Promise<boolean> {
    return stat(this.pathOf(sha256)).then(() => true, () => false);
  }

  /** Proves the folder is writable (readiness): a temp file is written, fsynced and removed. */
  async probeWritable(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: PRIVATE_FOLDER });
    const temp = join(this.root, `.probe-${randomBytes(8).toString('hex')}`);
    const file = await open(temp, 'w', PRIVATE_FILE);
    try {
      await file.writeFile('ok');
      await file.sync();
    } finally {
      await file.close();
      await rm(temp, { force: true });
    }
  }

  private async write(path: string, bytes: Uint8Array): Promise<void> {
    const temp = join(this.root, `.tmp-${randomBytes(8).toString('hex')}`);
    let createdFolder: string | undefined;
    try {
      createdFolder = await mkdir(dirname(path), { recursive: true, mode: PRIVATE_FOLDER });
      const file = await open(temp, 'w', PRIVATE_FILE);
      try {
        await file.writeFile(bytes);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temp, path);
    } catch (error) {
      // On every failure (a full disk mid-write, a failed fsync or rename): a temp file left behind would keep the
      // space until the next restart, and a full disk would stay full after the refusal.
      await rm(temp, { force: true });
      throw isDiskFull(error) ? diskFullError(dirname(this.root), bytes.length) : error;
    }
    // The rename is durable only once its folder is: without this a power cut could keep the row that names the
    // blob (committed next) and lose the blob's directory entry.
    await syncFolder(dirname(path));
    if (createdFolder) await syncFolder(this.root);
  }
}

async function syncFolder(path: string): Promise<void> {
  const folder = await open(path, 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
