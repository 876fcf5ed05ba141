import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';

/** Thumbnails are this many pixels square: a grid of them on a phone stays light however many samples a label has. */
export const THUMBNAIL_SIZE = 96;

/**
 * Small JPEGs of image samples for review screens, made once per content (named by the sample's sha256) and
 * cached in their own folder: derived data, so losing the folder costs only the time to make them again.
 */
export class Thumbnails {
  constructor(private readonly dir: string) {}

  async of(sha256: string, original: () => Promise<Uint8Array>): Promise<Buffer> {
    const path = this.pathOf(sha256);
    try {
      return await readFile(path);
    } catch {
      const thumbnail = await sharp(await original(), { failOn: 'none' }).rotate().resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'cover' }).jpeg({ quality: 70 }).toBuffer();
      await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
      // Written aside and renamed: a reader never sees half a file, and two requests racing write the same bytes.
      const temp = `${path}.${randomUUID()}.tmp`;
      try {
        await writeFile(temp, thumbnail, { mode: 0o600 });
        await rename(temp, path);
      } catch {
        await rm(temp, { force: true });
      }
      return thumbnail;
    }
  }

  /** Drops a thumbnail whose original is gone (a purge). */
  async remove(sha256: string): Promise<void> {
    await rm(this.pathOf(sha256), { force: true });
  }

  private pathOf(sha256: string): string {
    return join(this.dir, sha256.slice(0, 2), `${sha256}.jpg`);
  }
}
