// The data directory holds what phones sent and the keys' hashes: the server's user only, whatever the umask, and
// also when the folder (or an older server's files in it) already existed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../test-server.ts';
import { jpegOf } from '../test-images.ts';

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

async function storeOneSample(t: TestServer, seed: number, key = t.adminKey): Promise<string> {
  const project = (await (await t.api('/projects', { key, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'modes', labels: ['a', 'b'] }) })).json()) as { id: string };
  const answer = await t.api(`/projects/${project.id}/samples?label=a`, { key, method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: await jpegOf([10, 20, 30], seed) });
  assert.equal(answer.status, 201);
  return ((await answer.json()) as { sample: { sha256: string } }).sample.sha256;
}

/** Modes of the data directory, the database files (while it is open: -wal and -shm exist) and the blob folders and a blob. */
function modes(dataDir: string, sha256: string): Record<string, string> {
  return {
    dataDir: modeOf(dataDir), db: modeOf(join(dataDir, 'offgrid.db')), wal: modeOf(join(dataDir, 'offgrid.db-wal')), shm: modeOf(join(dataDir, 'offgrid.db-shm')),
    blobs: modeOf(join(dataDir, 'blobs')), shard: modeOf(join(dataDir, 'blobs', sha256.slice(0, 2))), blob: modeOf(join(dataDir, 'blobs', sha256.slice(0, 2), sha256)),
  };
}
const PRIVATE = { dataDir: '700', db: '600', wal: '600', shm: '600', blobs: '700', shard: '700', blob: '600' };

test('a fresh data directory is created private, even with a umask of 0', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'offgrid-modes-'));
  const umask = process.umask(0);
  try {
    const t = await startTestServer({ dataDir: join(parent, 'data') });
    try {
      assert.deepEqual(modes(t.dataDir, await storeOneSample(t, 1)), PRIVATE);
    } finally {
      await t.stop();
    }
  } finally {
    process.umask(umask);
    rmSync(parent, { recursive: true, force: true });
  }
});

test('an existing data directory (made by hand, or by an older server with 0755/0644) is made private on start', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'offgrid-modes-'));
  try {
    chmodSync(dataDir, 0o755);
    const first = await startTestServer({ dataDir });
    const oldSha256 = await storeOneSample(first, 2);
    await first.stop({ keepData: true });
    // What a server before this change left: everything readable by all.
    chmodSync(dataDir, 0o755);
    chmodSync(join(dataDir, 'offgrid.db'), 0o644);
    chmodSync(join(dataDir, 'blobs'), 0o755);
    for (const shard of readdirSync(join(dataDir, 'blobs'))) {
      chmodSync(join(dataDir, 'blobs', shard), 0o755);
      for (const blob of readdirSync(join(dataDir, 'blobs', shard))) chmodSync(join(dataDir, 'blobs', shard, blob), 0o644);
    }
    mkdirSync(join(dataDir, 'blobs', 'ff'), { mode: 0o755 });

    const again = await startTestServer({ dataDir });
    try {
      const newSha256 = await storeOneSample(again, 3, first.adminKey);
      assert.deepEqual(modes(dataDir, newSha256), PRIVATE);
      // Older blobs keep their file mode, but their folders now refuse everyone else.
      assert.deepEqual([modeOf(join(dataDir, 'blobs', oldSha256.slice(0, 2))), modeOf(join(dataDir, 'blobs', 'ff'))], ['700', '700']);
    } finally {
      await again.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
