import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { centerCropSquare, type RgbImage } from '@offgrid/features';
import { runWorker } from '../worker/run-worker.ts';
import { decodeImage } from './decode-image.ts';
import { cacheKey, readDecoded, writeDecoded } from './decoded-cache.ts';

/** One file's outcome: its centre-cropped square pixels, or why it could not be decoded. */
export type DecodedFile = { index: number; image: RgbImage } | { index: number; error: string };

/** From this many files on, decoding is split over worker threads: below it, starting them costs more than it saves. */
const DECODE_WORKERS_FROM_FILES = 2000;
/** Files decoded at once per thread: sharp decodes on libuv's pool, so a few in flight keep it (and the disk) busy. */
const IN_FLIGHT = 4;

/** Pictures are kept in the decoded cache only up to this many bytes of pixels (60,000 28×28 ones take 141 MB). */
const CACHE_LIMIT_BYTES = 512 * 1024 * 1024;

/**
 * Decodes `paths` into centre-cropped squares, calling `onDecoded` once per file (in any order). Large sets are
 * split over one worker thread per core (`workers`, default: every core from DECODE_WORKERS_FROM_FILES files on);
 * `onDecoded` runs on this thread either way. With `cacheDir`, a folder decoded before (same files, sizes and
 * modification times) is read back from there instead (decoded-cache.ts).
 */
export async function decodeFiles(paths: readonly string[], onDecoded: (file: DecodedFile) => void, workers = defaultWorkers(paths.length), cacheDir?: string): Promise<void> {
  if (!cacheDir) return decode(paths, onDecoded, workers);
  const key = await cacheKey(paths);
  const cached = await readDecoded(cacheDir, key, paths.length);
  if (cached) return cached.forEach(onDecoded);
  const files: DecodedFile[] = new Array(paths.length);
  let bytes = 0;
  await decode(paths, (file) => {
    if (bytes <= CACHE_LIMIT_BYTES) files[file.index] = file;
    if ('image' in file) bytes += file.image.data.length;
    onDecoded(file);
  }, workers);
  // A cache that cannot be written (full disk, read-only home) only costs the next run its decoding time.
  if (bytes <= CACHE_LIMIT_BYTES) await writeDecoded(cacheDir, key, files).catch(() => undefined);
}

async function decode(paths: readonly string[], onDecoded: (file: DecodedFile) => void, workers: number): Promise<void> {
  if (workers <= 1) return decodeShare(paths, paths.map((_, i) => i), onDecoded);
  await Promise.all(Array.from({ length: workers }, (_, worker) => {
    const indices = paths.map((_, i) => i).filter((i) => i % workers === worker);
    const request: DecodeShare = { entry: '../data/decode-worker.ts', paths: indices.map((i) => paths[i]), indices };
    return runWorker<DecodeUpdate, null>(request, `offgrid-decode-${worker}`, (update) => update.files.forEach(onDecoded));
  }));
}

function defaultWorkers(files: number): number {
  return files >= DECODE_WORKERS_FROM_FILES ? Math.min(availableParallelism(), 4) : 1;
}

/** What one decode worker gets: its share of the files and their indices in the whole list. */
export interface DecodeShare { entry: string; paths: string[]; indices: number[] }
export interface DecodeUpdate { type: 'decoded'; files: DecodedFile[] }

/** Decodes a share of the files on this thread, a few at a time. `paths` and `indices` run in parallel. */
export async function decodeShare(paths: readonly string[], indices: readonly number[], onDecoded: (file: DecodedFile) => void): Promise<void> {
  let next = 0;
  const decodeNext = async (): Promise<void> => {
    for (let i = next++; i < paths.length; i = next++) {
      try {
        onDecoded({ index: indices[i], image: centerCropSquare(await decodeImage(await readFile(paths[i]))) });
      } catch (error) {
        onDecoded({ index: indices[i], error: (error as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, paths.length) }, decodeNext));
}
