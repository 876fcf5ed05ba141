import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DecodedFile } from './decode-files.ts';

/**
 * Decoded pictures of a folder, kept on disk so that running `offgrid train` again on the same folder (or resuming
 * it) reads one file instead of decoding every picture again (60,000 Fashion-MNIST PNGs: one 141 MB read instead of
 * ~30 s of decoding). The key is every file's path, size and modification time, as make does: a changed, added or
 * removed file makes another key. The newest KEEP entries stay; older ones are deleted.
 */
const FORMAT = 'offgrid-decoded-v1';
const KEEP = 3;

/** The cache file for these paths, from their sizes and modification times. */
export async function cacheKey(paths: readonly string[]): Promise<string> {
  const hash = createHash('sha256').update(FORMAT);
  for (const path of paths) {
    const info = await stat(path);
    hash.update(`${resolve(path)}\0${info.size}\0${info.mtimeMs}\n`);
  }
  return hash.digest('hex').slice(0, 32);
}

/** The decoded files stored under `key`, in path order, or undefined when there is no (readable) entry. */
export async function readDecoded(dir: string, key: string, count: number): Promise<DecodedFile[] | undefined> {
  const bytes = await readFile(join(dir, `${key}.bin`)).catch(() => undefined);
  if (!bytes || bytes.length < 4) return undefined;
  try {
    const headerLength = bytes.readUInt32LE(0);
    const header = JSON.parse(bytes.subarray(4, 4 + headerLength).toString('utf8')) as { format: string; files: ({ width: number; height: number } | { error: string })[] };
    if (header.format !== FORMAT || header.files.length !== count) return undefined;
    let at = 4 + headerLength;
    return header.files.map((file, index) => {
      if ('error' in file) return { index, error: file.error };
      const size = file.width * file.height * 3;
      const data = new Uint8Array(bytes.buffer, bytes.byteOffset + at, size);
      at += size;
      if (at > bytes.length) throw new Error('truncated');
      return { index, image: { width: file.width, height: file.height, data } };
    });
  } catch {
    return undefined; // a damaged entry is decoded again and rewritten
  }
}

/** Stores `files` (in path order) under `key`, atomically, and trims the cache to its newest KEEP entries. */
export async function writeDecoded(dir: string, key: string, files: readonly DecodedFile[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const header = Buffer.from(JSON.stringify({ format: FORMAT, files: files.map((file) => ('error' in file ? { error: file.error } : { width: file.image.width, height: file.image.height })) }));
  const temporary = join(dir, `${key}.${process.pid}.tmp`);
  const handle = await open(temporary, 'w', 0o600);
  try {
    const length = Buffer.alloc(4);
    length.writeUInt32LE(header.length);
    await handle.write(length);
    await handle.write(header);
    for (const file of files) if ('image' in file) await handle.write(file.image.data);
  } finally {
    await handle.close();
  }
  await rename(temporary, join(dir, `${key}.bin`));
  const entries = await Promise.all((await readdir(dir)).filter((name) => name.endsWith('.bin')).map(async (name) => ({ name, used: (await stat(join(dir, name))).mtimeMs })));
  for (const { name } of entries.sort((a, b) => b.used - a.used).slice(KEEP)) await rm(join(dir, name), { force: true });
}
