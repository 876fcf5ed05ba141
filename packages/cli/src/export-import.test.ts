// `offgrid export` / `offgrid import` against real servers on real sockets (one over HTTPS with its own CA).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { crc32, deflateSync } from 'node:zlib';
import { startTestServer, type TestServer } from '@offgrid/server/testing';
import { main } from './main.ts';
import { ArchiveSize } from './export-command.ts';
import { serverClient } from './server-client.ts';

/** A real PNG (8-bit RGB) of one colour, varied by seed so every image is a new sample. */
function png(seed: number, size = 16): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc(size * (1 + size * 3));
  for (let y = 0; y < size; y++) for (let x = 0; x < size * 3; x++) rows[y * (1 + size * 3) + 1 + x] = (seed * 37 + x * 3 + y * 5) % 256;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

/** Runs the CLI in this process; returns its exit code and what it wrote to stderr. */
async function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  const write = process.stderr.write.bind(process.stderr);
  let stderr = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await main(args), stderr };
  } finally {
    process.stderr.write = write;
  }
}

const blobFiles = (server: TestServer) => {
  const dir = join(server.dataDir, 'blobs');
  return existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name) : [];
};

describe('offgrid export / import', () => {
  let source: TestServer;
  let target: TestServer;
  let work: string;
  let ca: string;
  let projectId: string;

  before(async () => {
    source = await startTestServer({ insecureHttp: false });
    target = await startTestServer();
    work = mkdtempSync(join(tmpdir(), 'offgrid-cli-archive-'));
    ca = join(source.dataDir, 'tls', 'ca.crt');
    const client = serverClient({ server: source.baseUrl, key: source.adminKey, ca });
    const project = await client.createProject({ name: 'moving day', labels: ['red', 'blue'] });
    projectId = project.id;
    for (let seed = 1; seed <= 4; seed++) await client.uploadSample(project.id, seed % 2 ? 'red' : 'blue', png(seed));
  });
  after(async () => {
    await source?.stop();
    await target?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('refuses an untrusted certificate and says how to trust it; --insecure works but warns', async () => {
    const out = join(work, 'untrusted.tar');
    const refused = await cli(['export', '--server', source.baseUrl, '--key', source.adminKey, '--project', projectId, '--out', out]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /certificate is not trusted \(self-signed certificate in certificate chain\).*--ca/);
    assert.equal(existsSync(out), false);

    const insecure = await cli(['export', '--server', source.baseUrl, '--key', source.adminKey, '--project', projectId, '--out', out, '--insecure']);
    assert.equal(insecure.code, 0, insecure.stderr);
    assert.match(insecure.stderr, /NOT verified/);
  });

  it('a wrong key fails with a clear message, exit code 1 and no file', async () => {
    const out = join(work, 'wrong-key.tar');
    const exported = await cli(['export', '--server', source.baseUrl, '--key', 'not-a-key', '--ca', ca, '--project', projectId, '--out', out]);
    assert.equal(exported.code, 1);
    assert.match(exported.stderr, /API key.*unknown.*--key/s);
    assert.deepEqual(readdirSync(work).filter((name) => name.startsWith('wrong-key')), []);

    writeFileSync(join(work, 'any.tar'), Buffer.alloc(1024));
    const imported = await cli(['import', join(work, 'any.tar'), '--server', target.baseUrl, '--key', 'not-a-key']);
    assert.equal(imported.code, 1);
    assert.match(imported.stderr, /API key.*unknown.*--key/s);
  });

  it('exports over HTTPS with --ca, refuses a truncated archive with nothing imported, then imports it whole', async () => {
    const out = join(work, 'project.tar');
    const exported = await cli(['export', '--server', source.baseUrl, '--key', source.adminKey, '--ca', ca, '--project', projectId, '--out', out]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stderr, /Exported project/);
    const archive = readFileSync(out);
    // The progress total read from the manifest is the archive's exact size.
    const size = new ArchiveSize();
    for (let offset = 0; offset < archive.length; offset += 700) size.observe(archive.subarray(offset, offset + 700));
    assert.equal(size.total, archive.length);
    assert.equal(existsSync(`${out}.partial`), false);

    const truncated = join(work, 'truncated.tar');
    writeFileSync(truncated, archive.subarray(0, Math.floor(archive.length * 0.6)));
    const refused = await cli(['import', truncated, '--server', target.baseUrl, '--key', target.adminKey]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /truncated|nothing was imported/i);
    const targetClient = serverClient({ server: target.baseUrl, key: target.adminKey });
    assert.deepEqual(await targetClient.listProjects(), []);
    assert.deepEqual(blobFiles(target), []);

    const imported = await cli(['import', out, '--server', target.baseUrl, '--key', target.adminKey]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stderr, /Imported project "moving day".*4 samples/);
    const moved = await targetClient.getProject(projectId);
    assert.deepEqual(moved.sampleCounts, { red: 2, blue: 2 });
    assert.equal(blobFiles(target).length, 4);

    const again = await cli(['import', out, '--server', target.baseUrl, '--key', target.adminKey]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);
  });

  it('refuses to overwrite an existing file and explains missing flags', async () => {
    const existing = join(work, 'existing.tar');
    writeFileSync(existing, 'keep me');
    const result = await cli(['export', '--server', source.baseUrl, '--key', source.adminKey, '--ca', ca, '--project', projectId, '--out', existing]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /already exists/);
    assert.equal(statSync(existing).size, 7);
    const noKey = await cli(['import', existing, '--server', target.baseUrl]);
    assert.equal(noKey.code, 1);
    assert.match(noKey.stderr, /No API key given/);
  });
});
