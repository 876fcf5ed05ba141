import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG, resolveConfig } from './config.ts';

test('config: flags beat environment, which beats the file, which beats the defaults', () => {
  const dir = mkdtempSync(join(tmpdir(), 'offgrid-config-'));
  const file = join(dir, 'offgrid.json');
  writeFileSync(file, JSON.stringify({ port: 9000, host: '127.0.0.1', logLevel: 'warn', rateLimits: false }));
  assert.deepEqual(resolveConfig([], {}), DEFAULT_CONFIG);
  assert.deepEqual(resolveConfig(['--config', file], {}), { ...DEFAULT_CONFIG, port: 9000, host: '127.0.0.1', logLevel: 'warn', rateLimits: false });
  assert.deepEqual(resolveConfig([], { OFFGRID_CONFIG: file, OFFGRID_PORT: '9100', OFFGRID_CORS_ORIGINS: 'http://localhost:5173, http://a:1' }),
    { ...DEFAULT_CONFIG, port: 9100, host: '127.0.0.1', logLevel: 'warn', rateLimits: false, corsOrigins: ['http://localhost:5173', 'http://a:1'] });
  assert.deepEqual(resolveConfig(['--port', '0', '--insecure-http', '--cors-origin', 'http://x:1'], { OFFGRID_CONFIG: file, OFFGRID_PORT: '9100' }),
    { ...DEFAULT_CONFIG, port: 0, host: '127.0.0.1', logLevel: 'warn', rateLimits: false, insecureHttp: true, corsOrigins: ['http://x:1'] });
  assert.equal(DEFAULT_CONFIG.trainingConcurrency, 1, 'one trial at a time: the other core keeps the API responsive');
  assert.equal(resolveConfig(['--training-concurrency', '2'], { OFFGRID_TRAINING_CONCURRENCY: '3' }).trainingConcurrency, 2);
  assert.equal(resolveConfig([], { OFFGRID_TRAINING_CONCURRENCY: '3' }).trainingConcurrency, 3);
  assert.equal(resolveConfig(['--queue', 'redis://:pw@10.0.0.2:6379'], { OFFGRID_QUEUE: 'redis://:other@10.0.0.3:6379' }).queue, 'redis://:pw@10.0.0.2:6379');
  assert.equal(resolveConfig([], { OFFGRID_QUEUE: 'redis://:other@10.0.0.3:6379' }).queue, 'redis://:other@10.0.0.3:6379');
  assert.equal(DEFAULT_CONFIG.accelerator, 'auto', 'as offgrid train: a self-test decides');
  assert.equal(resolveConfig(['--accelerator', 'wasm'], { OFFGRID_ACCELERATOR: 'webgpu' }).accelerator, 'wasm');
  assert.equal(resolveConfig([], { OFFGRID_ACCELERATOR: 'webgpu' }).accelerator, 'webgpu');
  writeFileSync(file, JSON.stringify({ accelerator: 'webgpu' }));
  assert.equal(resolveConfig(['--config', file], {}).accelerator, 'webgpu');
});

test('config: mistakes are refused with the fix in the message', () => {
  const dir = mkdtempSync(join(tmpdir(), 'offgrid-config-'));
  const file = join(dir, 'bad.json');
  writeFileSync(file, JSON.stringify({ prot: 8000 }));
  assert.throws(() => resolveConfig(['--config', file], {}), { name: 'ConfigError', message: `Unknown key(s) in ${file}: prot. Known keys: port, host, data, insecureHttp, logLevel, corsOrigins, trainingConcurrency, queueTrials, accelerator, rateLimits, queue.` });
  assert.throws(() => resolveConfig(['--accelerator', 'cuda'], {}), { message: '--accelerator must be one of auto, webgpu, wasm, got "cuda".' });
  writeFileSync(file, JSON.stringify({ accelerator: 'gpu' }));
  assert.throws(() => resolveConfig(['--config', file], {}), { message: `"accelerator" in ${file} must be one of auto, webgpu, wasm, got "gpu".` });
  assert.throws(() => resolveConfig(['--port', 'eighty'], {}), { message: '--port must be a number from 0 to 65535, got "eighty".' });
  assert.throws(() => resolveConfig(['--training-concurrency=-1'], {}), { message: '--training-concurrency must be a whole number of trials from 0 to 64, got "-1".' });
  assert.throws(() => resolveConfig(['--training-concurrency', '0'], {}), { message: 'A training concurrency of 0 needs --queue (this machine then only coordinates workers); alone, give 1 or more.' });
  assert.equal(resolveConfig(['--training-concurrency', '0', '--queue', 'redis://:pw@10.0.0.2:6379'], {}).trainingConcurrency, 0);
  assert.throws(() => resolveConfig(['--queue', 'localhost:6379'], {}), { message: '--queue must start with redis:// (or rediss:// for TLS), e.g. redis://:<password>@192.168.1.10:6379.' });
  assert.throws(() => resolveConfig(['--queue', 'redis://192.168.1.10:6379'], {}), { message: '--queue has no password: workers on the LAN connect to this Redis, so protect it (requirepass) and give redis://:<password>@host:6379.' });
  assert.throws(() => resolveConfig([], { OFFGRID_LOG_LEVEL: 'loud' }), { message: 'OFFGRID_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud".' });
});
