// `offgrid export`: streams a project's archive from a server into a local .tar (backup, moving machines).
import { existsSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { OffgridClient } from '@offgrid/sdk';
import { LiveBlock, progressBar } from './terminal/progress-bar.ts';
import { explainServerError, formatBytes, SERVER_OPTIONS, SERVER_USAGE, serverClient } from './server-client.ts';

export const EXPORT_USAGE = `Usage: offgrid export ${SERVER_USAGE} --project <id> [--out file.tar]\n`;

const TAR_BLOCK = 512;
const padded = (size: number) => Math.ceil(size / TAR_BLOCK) * TAR_BLOCK;

/**
 * The archive's exact size, read from its first entry as it streams past: the server writes manifest.json first,
 * and it lists every file (blobs/<sha256>) with its size. Lets the progress bar show a real fraction although
 * the server streams without Content-Length. Undefined until the manifest has arrived (or when it is unreadable).
 */
export class ArchiveSize {
  private head: Uint8Array[] = [];
  private headBytes = 0;
  private done = false;
  total: number | undefined;

  observe(chunk: Uint8Array): void {
    if (this.done) return;
    this.head.push(chunk);
    this.headBytes += chunk.length;
    if (this.headBytes < TAR_BLOCK) return;
    const bytes = Buffer.concat(this.head);
    const name = bytes.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(bytes.subarray(124, 136).toString('ascii').replace(/\0.*$/s, '').trim(), 8);
    if (name !== 'manifest.json' || !Number.isFinite(size)) return this.stop();
    if (bytes.length < TAR_BLOCK + size) return;
    try {
      const manifest = JSON.parse(bytes.subarray(TAR_BLOCK, TAR_BLOCK + size).toString('utf8')) as { blobs?: { sizeBytes: number }[] };
      const files = (manifest.blobs ?? []).reduce((sum, blob) => sum + TAR_BLOCK + padded(blob.sizeBytes), 0);
      this.total = TAR_BLOCK + padded(size) + files + 2 * TAR_BLOCK; // + the two zero blocks that end a tar
    } catch {
      // Not an Offgrid manifest: progress shows bytes only.
    }
    this.stop();
  }

  private stop(): void {
    this.done = true;
    this.head = [];
  }
}

export interface ExportProgress {
  bytes: number;
  total: number | undefined;
}

/**
 * Downloads the archive to `outPath`: written to `<out>.partial`, fsynced, then renamed, so an interrupted
 * export never leaves a file that looks complete. Refuses to overwrite an existing file.
 */
export async function exportToFile(client: OffgridClient, projectId: string, outPath: string, onProgress: (progress: ExportProgress) => void = () => {}): Promise<{ bytes: number; path: string }> {
  if (existsSync(outPath)) throw new Error(`${outPath} already exists; choose another --out or remove it first.`);
  const archive = await client.exportProject(projectId);
  const partial = `${outPath}.partial`;
  const file = await open(partial, 'w');
  const size = new ArchiveSize();
  let bytes = 0;
  try {
    try {
      for await (const chunk of archive.body) {
        size.observe(chunk);
        await file.write(chunk);
        bytes += chunk.length;
        onProgress({ bytes, total: size.total ?? archive.sizeBytes });
      }
      await file.sync();
    } finally {
      await file.close();
    }
    const expected = size.total ?? archive.sizeBytes;
    if (expected !== undefined && bytes !== expected) {
      throw new Error(`The export stopped after ${formatBytes(bytes)} of ${formatBytes(expected)} (the server closed the stream); nothing was saved. Run it again.`);
    }
    await rename(partial, outPath);
    return { bytes, path: outPath };
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

export async function exportCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...SERVER_OPTIONS, project: { type: 'string' }, out: { type: 'string' } } });
  if (!values.project) {
    process.stderr.write(`offgrid export: --project <id> is missing.\n${EXPORT_USAGE}`);
    return 2;
  }
  const client = serverClient(values);
  const out = values.out ?? `offgrid-project-${values.project.slice(0, 8)}.tar`;
  const live = new LiveBlock();
  const started = Date.now();
  try {
    const { bytes, path } = await exportToFile(client, values.project, out, ({ bytes: sent, total }) => {
      const rate = `${formatBytes(sent / Math.max(0.001, (Date.now() - started) / 1000))}/s`;
      live.update([total ? `${progressBar(sent / total)} ${formatBytes(sent)} / ${formatBytes(total)}  ${rate}` : `${formatBytes(sent)}  ${rate}`]);
    });
    live.log(`Exported project ${values.project} to ${path} (${formatBytes(bytes)} in ${((Date.now() - started) / 1000).toFixed(1)} s).`);
    return 0;
  } catch (error) {
    live.log(`offgrid export: ${explainServerError(error)}`);
    return 1;
  }
}
