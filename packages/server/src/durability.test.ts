import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jpegOf } from './test-images.ts';
import { api, jsonOf as json, kill9, killSpawned, listSamples, scanBlobs, sha256, spawnServer, stopServer } from './server-process.ts';

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
    // What a write cut short leaves (whether the kill caught one mid-write is luck, so one is planted too): removed on start.
    writeFileSync(join(dataDir, 'blobs', '.tmp-interrupted'), 'half a jpeg');

    // 2. Restart on the same data: every acknowledged sample is there, every row has an intact blob.
    server = await spawnServer(dataDir);
    assert.equal(server.adminKey, undefined, 'the admin key is printed only on the first start');
    const samples = await listSamples(server, key, project.id);
    const stored = new Map(samples.map((s) => [s.id, s.sha256]));
    for (const [id, digest] of acknowledged) assert.equal(stored.get(id), digest, `acknowledged sample ${id} survived`);
    // Every blob file (those of unacknowledged uploads too) re-hashes to its name: no half-written blob is visible.
    assert.deepEqual(scanBlobs(dataDir), { blobs: scanBlobs(dataDir).blobs, corrupt: [], temps: [] });
    assert.ok(samples.length >= acknowledged.size);

    // 3. Train on a small project (the real search, trials in worker threads); SIGKILL once trials have finished.
    const small = await json<{ id: string }>(await api(server, key, '/projects', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'crash-train', labels: ['red', 'blue'] }) }));
    for (let i = 0; i < 20; i++) {
      const jpeg = await jpegOf(i % 2 ? [220, 30, 30] : [30, 30, 220], 1000 + i, 32);
      await json(await api(server, key, `/projects/${small.id}/samples?label=${i % 2 ? 'red' : 'blue'}`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: jpeg }));
    }
    const job = await json<{ id: string }>(await api(server, key, `/projects/${small.id}/train`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ budgetSeconds: 30, seed: 5 }) }));
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
    const model = await json<{ artifacts: { variant: string; sha256: string }[] }>(await api(server, key, `/models/${final.modelId}`));
    const int8 = model.artifacts.find((a) => a.variant === 'int8')!;
    assert.equal(sha256(new Uint8Array(await (await api(server, key, `/models/${final.modelId}/download?variant=int8`)).arrayBuffer())), int8.sha256);
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
    assert.equal(await stopServer(server), 0, 'SIGTERM closes gracefully');
  } finally {
    killSpawned();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
