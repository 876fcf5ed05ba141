import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTls } from '@offgrid/server';

const BIN = fileURLToPath(new URL('../bin/offgrid.mjs', import.meta.url));

function offgrid(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

test('offgrid tls rotate: a new name-constrained CA, the old folder moved aside, the new fingerprint and what phones must do', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'offgrid-cli-tls-'));
  try {
    const old = await ensureTls(join(dataDir, 'tls'));
    const rotated = await offgrid(['tls', 'rotate', '--data', dataDir]);
    assert.equal(rotated.code, 0, rotated.stderr);
    const caPem = await readFile(join(dataDir, 'tls', 'ca.crt'), 'utf8');
    const fingerprint = new X509Certificate(caPem).fingerprint256;
    assert.notEqual(fingerprint, old.caFingerprint);
    const retired = (await readdir(dataDir)).filter((name) => name.startsWith('tls.retired-'));
    assert.equal(retired.length, 1);
    assert.equal(await readFile(join(dataDir, retired[0], 'ca.crt'), 'utf8'), old.caCert);
    assert.ok(rotated.stdout.startsWith(`New certificate authority in ${join(dataDir, 'tls')} (the old one is in ${join(dataDir, retired[0])}; delete it once every phone has the new CA).\n`), rotated.stdout);
    assert.match(rotated.stdout, new RegExp(`SHA-256 fingerprint: ${fingerprint}\n`));
    assert.match(rotated.stdout, /it may sign for: localhost, .*local, 127\.0\.0\.0\/8, ::1\/128/);
    assert.match(rotated.stdout, /install the new CA once from <server>\/ca\.crt/);

    const unknown = await offgrid(['tls', 'renew']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^Unknown tls action "renew"\.\nUsage:\n {2}offgrid tls rotate/);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
