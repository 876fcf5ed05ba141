import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { jpegOf } from './test-images.ts';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Every server this file started: a failed assertion must not leave one running (it would hold the test open). */
const spawned: ChildProcess[] = [];

interface Child { process: ChildProcess; baseUrl: string; adminKey?: string; exited: Promise<NodeJS.Signals | number | null> }

/** The real server in its own process, as `offgrid serve` runs it; resolves once it prints its listening line. */
async function spawnServer(dataDir: string): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--data', dataDir, '--port', '0', '--host', '127.0.0.1', '--insecure-http', '--log-level', 'warn'], {
    cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'pipe', 'inherit'],
  });
  spawned.push(child);
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    if (!line.startsWith('{"offgrid"')) continue;
    const ready = JSON.parse(line) as { urls: string[]; adminKey?: string };
    return { process: child, baseUrl: ready.urls[0], adminKey: ready.adminKey, exited };
  }
  throw new Error(`the server exited before listening (${await exited})`);
}

function api(child: Child, key: string, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${child.baseUrl}/api/v1${path}`, { ...init, headers: { authorization: `Bearer ${key}`, ...(init.headers as Record<string, string>) } });
}

async function json<T>(response: Response): Promise<T> {
  assert.ok(response.ok, `${response.status} ${await response.clone().text()}`);
  return response.json() as Promise<T>;
}

async function kill9(child: Child): Promise<void> {
  child.process.kill('SIGKILL');
  assert.equal(await child.exited, 'SIGKILL');
}

test('kill -9 mid-upload and mid-training: every acknowledged sample survives intact, the job is re-queued and finishes', { timeout: 90_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'offgrid-kill-'));
  try {
    // 1. Concurrent uploads, SIGKILL while they are in flight.
    let server = await spawnServer(dataDir);
    const key = server.adminKey!;
    const project = await json<{ id: string }>(await api(server, key, '/projects', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'crash', labels: ['red', 'blue'] }) }));
    const acknowledged = new Map<string, string>(); // sample id → sha256 the client sent
    let seed = 0;
    let killed = false;
    const uploader = async () => {
      while (!killed) {
        const label = seed % 2 ? 'red' : 'blue';
        const jpeg = await jpegOf(label === 'red' ? [220, 30, 30] : [30, 30, 220], ++seed, 48);
        try {
          const response = await api(server, key, `/projects/${project.id}/samples?label=${label}`, { method: 'POST', headers: { 'content-type': 'image/jpeg', 'x-checksum-sha256': sha256(jpeg) }, body: jpeg });
          if (response.status === 201) {
            const { sample } = (await response.json()) as { sample: { id: string; sha256: string } };
            assert.equal(sample.sha256, sha256(jpeg));
            acknowledged.set(sample.id, sample.sha256);
          }
        } catch {
          // The connection died with the server: this upload was never acknowledged.
        }
      }
    };
    const uploaders = Array.from({ length: 8 }, uploader);
    while (acknowledged.size < 60) await new Promise((resolve) => setTimeout(resolve, 10));
    await kill9(server);
    killed = true;
    await Promise.all(uploaders);

    // 2. Restart on the same data: every acknowledged sample is there, every row has an intact blob.
    server = await spawnServer(dataDir);
    assert.equal(server.adminKey, undefined, 'the admin key is printed only on the first start');
    const { samples } = await json<{ samples: { id: string; sha256: string; label: string }[] }>(await api(server, key, `/projects/${project.id}/samples?limit=1000`));
    const stored = new Map(samples.map((s) => [s.id, s.sha256]));
    for (const [id, digest] of acknowledged) assert.equal(stored.get(id), digest, `acknowledged sample ${id} survived`);
    for (const sample of samples) {
      const blob = readFileSync(join(dataDir, 'blobs', sample.sha256.slice(0, 2), sample.sha256));
      assert.equal(sha256(blob), sample.sha256, `blob of ${sample.id} is intact`);
    }
    assert.ok(samples.length >= acknowledged.size);

    // 3. Train on a small project (the real search, trials in worker threads); SIGKILL once trials have finished.
    const small = await json<{ id: string }>(await api(server, key, '/projects', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'crash-train', labels: ['red', 'blue'] }) }));
    for (let i = 0; i < 20; i++) {
      const jpeg = await jpegOf(i % 2 ? [220, 30, 30] : [30, 30, 220], 1000 + i, 32);
      await json(await api(server, key, `/projects/${small.id}/samples?label=${i % 2 ? 'red' : 'blue'}`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: jpeg }));
    }
    const job = await json<{ id: string }>(await api(server, key, `/projects/${small.id}/train`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ budgetSeconds: 20, seed: 5 }) }));
    type Row = { trialNumber: number; family: string; status: string; valAccuracy?: number; epochs: number };
    let beforeKill: Row[];
    for (;;) {
      const polled = await json<{ status: string; progress: { trialsFinished: number; leaderboard: Row[] } }>(await api(server, key, `/jobs/${job.id}`));
      assert.ok(['queued', 'running'].includes(polled.status), `the job finished before it could be killed: ${JSON.stringify(polled)}`);
      beforeKill = polled.progress.leaderboard.filter((row) => ['completed', 'pruned'].includes(row.status));
      if (beforeKill.length >= 1) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await kill9(server);
    const killedAt = new Date().toISOString();
    assert.ok(readdirSync(join(dataDir, 'jobs', job.id)).includes('search.db'), "the job's search survives the kill");

    // 4. Restart: the interrupted job is queued again, its search resumes with the finished trials kept, and it finishes.
    server = await spawnServer(dataDir);
    let final: { status: string; modelId?: string; error?: string; progress: { trialsFinished: number } };
    for (;;) {
      final = await json(await api(server, key, `/jobs/${job.id}`));
      if (!['queued', 'running'].includes(final.status)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(final.status, 'succeeded', JSON.stringify(final));
    const model = await json<{ artifacts: { sha256: string }[] }>(await api(server, key, `/models/${final.modelId}`));
    const file = readFileSync(join(dataDir, 'blobs', model.artifacts[0].sha256.slice(0, 2), model.artifacts[0].sha256));
    assert.equal(sha256(file), model.artifacts[0].sha256);
    assert.equal((await json<{ activeModelId: string }>(await api(server, key, `/projects/${small.id}`))).activeModelId, final.modelId);
    const report = await json<{ trials: { number: number; family: string; status: string; valAccuracy?: number; startedAt: string; history: unknown[] }[] }>(await api(server, key, `/models/${final.modelId}/report`));
    for (const row of beforeKill) {
      const trial = report.trials.find((t) => t.number === row.trialNumber);
      assert.ok(trial, `trial ${row.trialNumber}, finished before the kill, is in the report`);
      // Kept, not run again: started before the kill, same result, no epochs added.
      assert.ok(trial.startedAt < killedAt, `trial ${row.trialNumber} started ${trial.startedAt}, before the kill at ${killedAt}`);
      assert.deepEqual([trial.family, trial.status.replace(' (winner)', ''), trial.valAccuracy, trial.history.length], [row.family, row.status, row.valAccuracy, row.epochs]);
    }
    assert.ok(report.trials.length > beforeKill.length, 'the resumed search ran more trials');
    server.process.kill('SIGTERM');
    assert.equal(await server.exited, 0, 'SIGTERM closes gracefully');
  } finally {
    for (const child of spawned) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});
