/**
 * Real images for export tests and benchmarks, without a photo dataset: the PNG and JPEG files
 * that installed packages ship (icons, documentation figures, logos, a few photos), decoded with
 * sharp and preprocessed like the app preprocesses photos (@offgrid/features: centre crop, area
 * resize, (pixel − mean) / std). Deterministic: files are deduplicated and ordered by content hash.
 * Nothing is downloaded or committed; a machine with fewer images gets fewer.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { preprocessImage } from '@offgrid/features';
import { decodeImage } from '../data/decode-image.ts';

/** Folders searched (recursively); files of at least `minBytes` (skips tiny icons). */
export const IMAGE_ROOTS = ['/usr/share', '/usr/lib', '/root/.rustup/toolchains'];

export interface RealImage {
  path: string;
  /** Preprocessed model input, HxWx3. */
  input: Float32Array;
}

function findImages(root: string, out: string[], depth = 0): void {
  if (depth > 16) return;
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name === 'proc') continue;
    const path = join(root, name);
    let stat;
    try {
      stat = statSync(path, { throwIfNoEntry: false });
    } catch {
      continue;
    }
    if (!stat) continue;
    if (stat.isDirectory()) findImages(path, out, depth + 1);
    else if (/\.(png|jpe?g)$/i.test(name)) out.push(path);
  }
}

/**
 * Up to `limit` distinct images as model inputs of `size`x`size`x3, ordered by content hash (a
 * fixed pseudo-random order, so any prefix mixes icons, figures and photos).
 */
export async function loadRealImages(options: { size: number; mean: number; std: number; limit?: number; minBytes?: number; roots?: string[] }): Promise<RealImage[]> {
  const files: string[] = [];
  for (const root of options.roots ?? IMAGE_ROOTS) findImages(root, files);
  const minBytes = options.minBytes ?? 4096;
  const byHash = new Map<string, string>();
  for (const path of files.sort()) {
    const bytes = readFileSync(path);
    if (bytes.length < minBytes) continue;
    const hash = createHash('sha256').update(bytes).digest('hex');
    if (!byHash.has(hash)) byHash.set(hash, path);
  }
  const images: RealImage[] = [];
  const seen = new Set<string>();
  for (const [, path] of [...byHash].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (options.limit !== undefined && images.length >= options.limit) break;
    let input: Float32Array;
    try {
      const image = await decodeImage(readFileSync(path));
      if (image.width < 32 || image.height < 32) continue;
      input = preprocessImage(image, { width: options.size, height: options.size, mean: options.mean, std: options.std });
    } catch {
      continue; // unreadable or unusual files (CMYK, 16-bit palettes sharp refuses) are skipped
    }
    // Same picture at another size or compression (e.g. logo.png and logo-compressed.png) counts once.
    const key = createHash('sha256').update(new Uint8Array(Float32Array.from(input, (v) => Math.round(v * 64) / 64).buffer)).digest('hex');
    if (seen.has(key)) continue;
    seen.add(key);
    images.push({ path, input });
  }
  return images;
}
