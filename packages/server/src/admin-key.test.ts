import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ADMIN_KEY_FILE, announceAdminKey } from './admin-key.ts';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const modeOf = (path: string) => statSync(path).mode & 0o777;

test('main.ts with stdout piped (a service, docker logs): the key goes to a 0600 file, only its path is printed', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'offgrid-admin-key-'));
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--data', dataDir, '--port', '0', '--host', '127.0.0.1', '--insecure-http', '--log-level', 'info'], {
    cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    let listening: { urls: string[]; adminKey?: string; adminKeyFile?: string } | undefined;
    const lines = createInterface({ input: child.stdout });
    for await (const line of lines) {
      output += `${line}\n`;
      if (!line.startsWith('{"offgrid"')) continue;
      listening = JSON.parse(line) as typeof listening;
      break;
    }
    child.stdout.on('data', (chunk) => (output += String(chunk)));
    assert.ok(listening, `the server printed no listening line: ${output}`);
    assert.equal(listening.adminKey, undefined);
    assert.equal(listening.adminKeyFile, join(dataDir, ADMIN_KEY_FILE));
    assert.equal(modeOf(listening.adminKeyFile), 0o600);
    const adminKey = readFileSync(listening.adminKeyFile, 'utf8').trim();
    const keys = await fetch(`${listening.urls[0]}/api/v1/keys`, { headers: { authorization: `Bearer ${adminKey}` } });
    assert.equal(keys.status, 200, 'the saved key is the admin key');
    child.kill('SIGTERM');
    await exited;
    assert.ok(output.includes('"msg":"incoming request"'), 'the logs were captured too');
    assert.ok(!output.includes(adminKey), 'the key is nowhere in stdout or stderr');
  } finally {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a terminal gets the key itself and no file; a file left with another mode is replaced by a 0600 one', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'offgrid-admin-key-'));
  try {
    assert.deepEqual(announceAdminKey(dataDir, 'og_terminal', true), { adminKey: 'og_terminal' });
    assert.equal(existsSync(join(dataDir, ADMIN_KEY_FILE)), false);
    writeFileSync(join(dataDir, ADMIN_KEY_FILE), 'an older key\n', { mode: 0o644 });
    assert.deepEqual(announceAdminKey(dataDir, 'og_piped', false), { adminKeyFile: join(dataDir, ADMIN_KEY_FILE) });
    assert.equal(readFileSync(join(dataDir, ADMIN_KEY_FILE), 'utf8'), 'og_piped\n');
    assert.equal(modeOf(join(dataDir, ADMIN_KEY_FILE)), 0o600);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
