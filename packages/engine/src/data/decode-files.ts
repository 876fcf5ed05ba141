import { readFile } from 'node:fs/promises';
import { centerCropSquare, type RgbImage } from '@offgrid/features';
import { decodeImage } from './decode-image.ts';
import { cacheKey, readDecoded, writeDecoded } from './decoded-cache.ts';

/** One file's outcome: its centre-cropped square pixels, or why it could not be decoded. */
export type DecodedFile = { index: number; image: RgbImage } | { index: number; error: string };

/** Files decoded at once: sharp decodes on libuv's thread pool, so a few in flight keep it (and the disk) busy. */
const IN_FLIGHT = 8;

/** Pictures are kept in the decoded cache only up to this many bytes of pixels (60,000 28×28 ones take 141 MB). */
const CACHE_LIMIT_BYTES = 512 * 1024 * 1024;

/**
 * Decodes `paths` into centre-cropped squares, a few at a time, calling `onDecoded` once per file (in any order).
 * With `cacheDir`, a folder decoded before (same files, sizes and modification times) is read back from there
 * instead (decoded-cache.ts).
 */
export async function decodeFiles(paths: readonly string[], onDecoded: (file: DecodedFile) => void, cacheDir?: string): Promise<void> {
  if (!cacheDir) return decode(paths, onDecoded);
  const key = await cacheKey(paths);
  const cached = await readDecoded(cacheDir, key, paths.length);
  if (cached) return cached.forEach(onDecoded);
  const files: DecodedFile[] = new Array(paths.length);
  let bytes = 0;
  await decode(paths, (file) => {
    if (bytes <= CACHE_LIMIT_BYTES) files[file.index] = file;
    if ('image' in file) bytes += file.image.data.length;
    onDecoded(file);
  });
  // A cache that cannot be written (full disk, read-only home) only costs the next run its decoding time.
  if (bytes <= CACHE_LIMIT_BYTES) await writeDecoded(cacheDir, key, files).catch(() => undefined);
}

async function decode(paths: readonly string[], onDecoded: (file: DecodedFile) => void): Promise<void> {
  let next = 0;
  const decodeNext = async (): Promise<void> => {
    for (let i = next++; i < paths.length; i = next++) {
      try {
        onDecoded({ index: i, image: centerCropSquare(await decodeImage(await readFile(paths[i]))) });
      } catch (error) {
        onDecoded({ index: i, error: (error as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, paths.length) }, decodeNext));
}
