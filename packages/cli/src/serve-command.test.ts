// `offgrid serve` as a service runs it: stdout is a pipe (systemd's journal, docker logs), not a person.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN_KEY_FILE } from '@offgrid/server';

const BIN = fileURLToPath(new URL('../bin/offgrid.mjs', import.meta.url));

test('offgrid serve with stdout piped writes the admin key to a 0600 file and prints only its path', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'offgrid-serve-'));
  const child = spawn(process.execPath, [BIN, 'serve', '--data', dataDir, '--port', '0', '--host', '127.0.0.1', '--insecure-http', '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner after 60 s: ${output}`)), 60_000);
      const read = (chunk: Buffer) => {
        output += String(chunk);
        if (output.includes('Pair a phone')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      void exited.then(() => reject(new Error(`offgrid serve exited: ${output}`)));
    });
    // The accelerator is chosen at start-up (default auto: on a software adapter or none, wasm), with its reason.
    assert.match(output, /^Training on (wasm|webgpu)\b.*\.$/m);
    const keyFile = join(dataDir, ADMIN_KEY_FILE);
    assert.ok(output.includes(`Admin API key: saved in ${keyFile} (readable by this user only; not printed because the output is not a terminal).`), output);
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    const adminKey = readFileSync(keyFile, 'utf8').trim();
    assert.match(adminKey, /^og_/);
    child.kill('SIGTERM');
    await exited;
    assert.ok(!output.includes(adminKey), 'the key is nowhere in the output');
  } finally {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});
