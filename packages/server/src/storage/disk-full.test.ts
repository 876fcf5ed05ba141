// A full disk: 507 OFFGRID_ERR_INSUFFICIENT_STORAGE saying what to free, nothing half-written left behind, and the
// server working again once space is freed, without a restart. On a real small filesystem (tmpfs, needs root as in
// CI) and, where the disk cannot be filled for real, with SQLite's own page limit and injected fs failures.
import { after, before, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statfsSync, writeSync } from 'node:fs';
import fsPromises from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { buildApp } from '../app.ts';
import { startTestServer, type TestServer } from '../test-server.ts';
import { jpegOf } from '../test-images.ts';
import { BlobStore } from './blob-store.ts';
import { diskFullError, isDiskFull } from './disk-full.ts';

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const upload = (t: TestServer, projectId: string, bytes: Uint8Array) =>
  t.api(`/projects/${projectId}/samples?label=a`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: bytes });
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The 507 message: the data directory, what it has left and (for a blob) what the write needed. */
const diskFullMessage = (dataDir: string, needed: boolean) => new RegExp(
  `^The disk holding the data directory ${escape(dataDir)} is full \\([\\d.]+ (B|kB|MB|GB|TB) free${needed ? '; this needs at least [\\d.]+ (B|kB|MB)' : ''}\\)\\. Nothing was stored\\. ` +
  'Free space on that disk \\(delete files you no longer need there, or move the data directory to a larger disk\\), then try again; no restart is needed\\.$');

const tempFiles = (dataDir: string) => readdirSync(join(dataDir, 'blobs'), { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);

/** Polls /ready until it answers `status` (the probe is cached for one second). */
async function readyBecomes(t: TestServer, status: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    const answer = await t.api('/ready', { key: null });
    await answer.arrayBuffer();
    if (answer.status === status) return performance.now() - started;
    if (performance.now() - started > 3000) assert.fail(`/ready still answered ${answer.status} after 3 s (wanted ${status})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Writes `path` until the disk refuses (or `bytes` are written); returns how many bytes went in. */
function fill(path: string, bytes = Infinity): number {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  let written = 0;
  try {
    while (written < bytes) written += writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - written));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return written;
}

describe('a real full disk (a 16 MB tmpfs)', () => {
  const mountPoint = mkdtempSync(join(tmpdir(), 'offgrid-full-'));
  let mounted = false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mountPoint], { stdio: 'ignore' });
    mounted = true;
  } catch {
    rmSync(mountPoint, { recursive: true, force: true });
  }
  after(() => {
    if (!mounted) return;
    execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  test('uploads and project creation get 507 saying what to free; nothing is left behind; freeing space is enough', { skip: mounted ? false : 'mounting a tmpfs needs root (CI runs as root)' }, async () => {
    const dataDir = join(mountPoint, 'data');
    const fillers = join(mountPoint, 'other-files');
    mkdirSync(fillers);
    const t = await startTestServer({ dataDir });
    try {
      const project = (await (await t.api('/projects', json({ name: 'full', labels: ['a', 'b'] }))).json()) as { id: string };
      const kept = await jpegOf([200, 30, 30], 1);
      const stored = await upload(t, project.id, kept);
      assert.equal(stored.status, 201);
      const keptSample = ((await stored.json()) as { sample: { id: string } }).sample;

      // Leave 300 kB free, then upload a ~1 MB photo: its temp file takes the 300 kB and the write fails midway.
      const { bavail, bsize } = statfsSync(mountPoint);
      fill(join(fillers, 'almost-all'), bavail * bsize - 300_000);
      const photo = await sharp(Buffer.from(Array.from({ length: 600 * 600 * 3 }, (_, i) => (i * 7919) % 251)), { raw: { width: 600, height: 600, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
      assert.ok(photo.length > 1_000_000);
      const refused = await t.api(`/projects/${project.id}/samples?label=a`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: photo });
      const body = (await refused.json()) as { error: { code: string; message: string } };
      assert.equal(refused.status, 507);
      assert.equal(body.error.code, 'OFFGRID_ERR_INSUFFICIENT_STORAGE');
      assert.match(body.error.message, diskFullMessage(dataDir, true));
      assert.deepEqual(tempFiles(dataDir), [], 'the failed write left no temp file');
      // Its space came back with it: the server takes writes again without anything else being freed.
      await readyBecomes(t, 200);
      assert.equal((await upload(t, project.id, await jpegOf([30, 200, 30], 2))).status, 201);

      // Now nothing at all is left: SQLite cannot grow its log either.
      fill(join(fillers, 'the-rest'));
      const noProject = await t.api('/projects', json({ name: 'another', labels: ['a', 'b'] }));
      assert.deepEqual([noProject.status, ((await noProject.json()) as { error: { code: string } }).error.code], [507, 'OFFGRID_ERR_INSUFFICIENT_STORAGE']);
      const noSample = await upload(t, project.id, await jpegOf([30, 30, 200], 3));
      assert.equal(noSample.status, 507);
      assert.match(((await noSample.json()) as { error: { message: string } }).error.message, diskFullMessage(dataDir, true));
      assert.deepEqual(tempFiles(dataDir), []);
      const failedWithin = await readyBecomes(t, 503);
      assert.ok(failedWithin < 1500, `/ready noticed the full disk after ${Math.round(failedWithin)} ms`);
      // What was stored before stays listed and downloadable.
      const { samples } = (await (await t.api(`/projects/${project.id}/samples`)).json()) as { samples: { id: string }[] };
      assert.equal(samples.length, 2);
      assert.equal(samples[0].id, keptSample.id);
      const exported = Buffer.from(await (await t.api(`/projects/${project.id}/export`)).arrayBuffer());
      assert.ok(exported.includes(kept), "the stored sample's bytes download");

      // Freeing space is all it takes: no restart.
      rmSync(fillers, { recursive: true });
      const recoveredWithin = await readyBecomes(t, 200);
      assert.ok(recoveredWithin < 1500, `/ready recovered after ${Math.round(recoveredWithin)} ms`);
      assert.equal((await t.api(`/projects/${project.id}/samples?label=a`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: photo })).status, 201);
      assert.equal((await t.api('/projects', json({ name: 'another', labels: ['a', 'b'] }))).status, 201);
    } finally {
      await t.stop({ keepData: true });
    }
  });
});

describe('SQLite full (its page limit, on any machine)', () => {
  test('a write SQLite refuses with SQLITE_FULL answers 507 naming the data directory; raising the limit is enough', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'offgrid-sqlite-full-'));
    const { app, context } = await buildApp({ dataDir, publicUrl: '', rateLimits: false });
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address() as { port: number };
      const { apiKey } = context.keys.create('admin', 'test');
      const createProject = (name: string) => fetch(`http://127.0.0.1:${address.port}/api/v1/projects`, { ...json({ name, labels: ['a', 'b'] }), headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` } });
      // The file may not grow past its current pages: projects fit until their table needs a new page.
      context.db.pragma(`max_page_count = ${context.db.pragma('page_count', { simple: true }) as number}`);
      let refused: Response | undefined;
      for (let i = 0; i < 500 && !refused; i++) {
        const answer = await createProject(`project ${i} ${'x'.repeat(80)}`);
        if (answer.status !== 201) refused = answer;
        else await answer.arrayBuffer();
      }
      assert.ok(refused, 'SQLite refused a write');
      assert.equal(refused.status, 507);
      const body = (await refused.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'OFFGRID_ERR_INSUFFICIENT_STORAGE');
      assert.match(body.error.message, diskFullMessage(dataDir, false));
      context.db.pragma('max_page_count = 1073741823');
      assert.equal((await createProject('after')).status, 201);
    } finally {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('isDiskFull knows ENOSPC, EDQUOT and SQLITE_FULL, nothing else', () => {
    for (const code of ['ENOSPC', 'EDQUOT', 'SQLITE_FULL']) assert.equal(isDiskFull(Object.assign(new Error(code), { code })), true, code);
    for (const code of ['EACCES', 'EIO', 'SQLITE_BUSY', 'OFFGRID_ERR_INTERNAL', undefined]) assert.equal(isDiskFull(Object.assign(new Error(String(code)), { code })), false, String(code));
    assert.equal(isDiskFull(undefined), false);
    assert.equal(diskFullError('/nowhere/at/all', 10).status, 507);
    assert.match(diskFullError('/nowhere/at/all', 2_500_000).message, /^The disk holding the data directory \/nowhere\/at\/all is full \(this needs at least 2\.50 MB\)\./);
  });
});

describe('a failed blob write leaves no temp file, whichever step fails', () => {
  let root: string;
  before(() => { root = mkdtempSync(join(tmpdir(), 'offgrid-blob-fail-')); });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** Makes one fs/promises function fail for the blob store (its named imports follow the module object once synced). */
  function failing<K extends 'open' | 'rename'>(name: K, replacement: (typeof fsPromises)[K]) {
    const mocked = mock.method(fsPromises, name, replacement);
    syncBuiltinESMExports();
    return () => {
      mocked.mock.restore();
      syncBuiltinESMExports();
    };
  }
  const errnoError = (code: string) => Object.assign(new Error(`${code}: injected`), { code });
  const realOpen = fsPromises.open;
  /** A temp file whose write or fsync fails with `code`. */
  const tempFileFailing = (step: 'writeFile' | 'sync', code: string) => (async (...args: Parameters<typeof realOpen>) => {
    const handle = await realOpen(...args);
    if (String(args[0]).includes('.tmp-')) handle[step] = async () => { throw errnoError(code); };
    return handle;
  }) as typeof realOpen;

  for (const [what, name, replacement, code] of [
    ['the write (disk full)', 'open', tempFileFailing('writeFile', 'ENOSPC'), 'ENOSPC'],
    ['the fsync (quota)', 'open', tempFileFailing('sync', 'EDQUOT'), 'EDQUOT'],
    ['the fsync (I/O error)', 'open', tempFileFailing('sync', 'EIO'), 'EIO'],
    ['the rename', 'rename', async () => { throw errnoError('EIO'); }, 'EIO'],
  ] as const) {
    test(`${what}: ${code === 'EIO' ? 'the error passes through' : '507'}, and the blob folder holds no temp file`, async () => {
      const store = new BlobStore(mkdtempSync(join(root, 'blobs-')));
      const restore = failing(name, replacement as never);
      let error: unknown;
      try {
        await store.put(Buffer.from(`bytes for ${what}`));
      } catch (caught) {
        error = caught;
      } finally {
        restore();
      }
      if (code === 'EIO') assert.equal((error as NodeJS.ErrnoException).code, 'EIO');
      else assert.deepEqual([(error as { status?: number }).status, (error as { code?: string }).code], [507, 'OFFGRID_ERR_INSUFFICIENT_STORAGE']);
      assert.deepEqual(readdirSync(store.root, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name), []);
      // The same bytes store fine once the fault is gone.
      const sha256 = await store.put(Buffer.from(`bytes for ${what}`));
      assert.ok(existsSync(store.pathOf(sha256)));
    });
  }
});
