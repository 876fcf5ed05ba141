// `offgrid import`: streams a project archive (made by `offgrid export`) to a server, never holding it in memory.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { OffgridClient, ProjectImport } from '@offgrid/sdk';
import { LiveBlock, progressBar } from './terminal/progress-bar.ts';
import { explainServerError, formatBytes, SERVER_OPTIONS, SERVER_USAGE, serverClient } from './server-client.ts';

export const IMPORT_USAGE = `Usage: offgrid import <file.tar> ${SERVER_USAGE}\n`;

/**
 * Sends the file as the body of POST /projects/import, read from disk as the upload goes. The server verifies
 * every file and imports all or nothing, so a truncated or corrupt archive is refused with nothing stored.
 */
export async function importFromFile(client: OffgridClient, path: string, onProgress: (sent: number, total: number) => void = () => {}): Promise<ProjectImport> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new Error(error.code === 'ENOENT' ? `${path} does not exist.` : `Cannot read ${path}: ${error.message}`);
  });
  if (!info.isFile()) throw new Error(`${path} is not a file.`);
  // Fail before sending gigabytes: a wrong or device key gets its 401/403 from a cheap admin-only request.
  await client.listKeys();
  // Pulled chunk by chunk, so the file is read only as fast as the socket takes it (a 400 MB archive: +41 MB RSS).
  const chunks = (createReadStream(path) as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await chunks.next();
      if (done) return controller.close();
      sent += value.length;
      onProgress(sent, info.size);
      controller.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.length));
    },
    async cancel() {
      await chunks.return?.();
    },
  });
  return client.importProject(body);
}

export async function importCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: SERVER_OPTIONS });
  if (positionals.length !== 1) {
    process.stderr.write(`offgrid import: give exactly one archive file.\n${IMPORT_USAGE}`);
    return 2;
  }
  const [path] = positionals;
  const client = serverClient(values);
  const live = new LiveBlock();
  const started = Date.now();
  try {
    const result = await importFromFile(client, path, (sent, total) => {
      const note = sent === total ? '  (server verifying…)' : '';
      live.update([`${progressBar(total ? sent / total : 1)} ${formatBytes(sent)} / ${formatBytes(total)}${note}`]);
    });
    const counts = Object.entries(result.imported).map(([what, count]) => `${count} ${what}`).join(', ');
    live.log(`Imported project "${result.project.name}" (${result.project.id}): ${counts} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    return 0;
  } catch (error) {
    live.log(`offgrid import: ${explainServerError(error)}`);
    return 1;
  }
}
