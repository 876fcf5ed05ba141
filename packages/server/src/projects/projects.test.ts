import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../storage/migrations.ts';
import { openDatabase } from '../storage/database.ts';
import { ProjectStore } from './project-store.ts';
import { startTestServer, type TestServer } from '../test-server.ts';

let t: TestServer;
before(async () => { t = await startTestServer(); });
after(async () => { await t.stop(); });

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
async function post(body: unknown): Promise<{ status: number; body: any }> {
  const response = await t.api('/projects', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

describe('project modality, task, featureNames and settings', () => {
  test('defaults make an image classifier; every field is stored and returned by GET', async () => {
    const image = await post({ name: 'pets', labels: ['cat', 'dog'] });
    assert.deepEqual([image.status, image.body.modality, image.body.task, image.body.settings, image.body.featureNames], [201, 'image', 'classify', {}, undefined]);
    const created = await post({
      name: 'pump', labels: ['normal', 'cavitation'], modality: 'tabular', task: 'anomaly', featureNames: [' temp ', 'rpm'], settings: { falseAlarmRate: 0.02 },
    });
    assert.equal(created.status, 201);
    const got = (await (await t.api(`/projects/${created.body.id}`)).json()) as Record<string, unknown>;
    assert.deepEqual(got, created.body);
    assert.deepEqual([got.modality, got.task, got.featureNames, got.settings], ['tabular', 'anomaly', ['temp', 'rpm'], { falseAlarmRate: 0.02 }]);
    const motion = await post({ name: 'gait', labels: ['normal'], modality: 'motion', task: 'anomaly', settings: { motion: { rateHz: 100, windowSeconds: 1, strideSeconds: 0.5 } } });
    assert.deepEqual([motion.status, motion.body.labels, motion.body.settings], [201, ['normal'], { motion: { rateHz: 100, windowSeconds: 1, strideSeconds: 0.5 } }]);
    const listed = ((await (await t.api('/projects')).json()) as { projects: { id: string }[] }).projects.find((p: { id: string }) => p.id === motion.body.id);
    assert.deepEqual(listed, motion.body);
    // Unknown keys are dropped by the route schema (Fastify's removeAdditional), never stored.
    const text = await post({ name: 'notes', labels: ['a', 'b'], modality: 'text', settings: { text: { seqLength: 32, vocabulary: 5 } } });
    assert.deepEqual([text.status, text.body.settings], [201, { text: { seqLength: 32 } }]);
  });

  test('inconsistent projects get a 400 that says what to fix', async () => {
    const cases: [unknown, RegExp][] = [
      [{ labels: ['a', 'b'], modality: 'video' }, /modality must be equal to one of the allowed values/],
      [{ labels: ['normal', 'x'], modality: 'image', task: 'anomaly' }, /task "anomaly" is available for motion and tabular projects, not image/],
      [{ labels: ['idle', 'fault'], modality: 'motion', task: 'anomaly' }, /needs a label "normal"/],
      [{ labels: ['only'], modality: 'audio' }, /at least two labels; got 1/],
      [{ labels: ['a', 'b'], modality: 'tabular' }, /needs "featureNames"/],
      [{ labels: ['a', 'b'], modality: 'tabular', featureNames: ['x', 'x'] }, /featureNames must be unique/],
      [{ labels: ['a', 'b'], modality: 'tabular', featureNames: ['x', 'Label'] }, /"label" is the CSV label column/],
      [{ labels: ['a', 'b'], modality: 'text', featureNames: ['x'] }, /featureNames are for tabular projects/],
      [{ labels: ['a', 'b'], modality: 'text', settings: { audio: { clipSeconds: 2 } } }, /settings\.audio applies to audio projects; this project's modality is text/],
      [{ labels: ['a', 'b'], modality: 'motion', settings: { falseAlarmRate: 0.1 } }, /falseAlarmRate applies to anomaly projects/],
      [{ labels: ['a', 'b'], modality: 'motion', settings: { motion: { windowSeconds: 1, strideSeconds: 2 } } }, /strideSeconds \(2\) must not exceed windowSeconds \(1\)/],
      [{ labels: ['a', 'b'], modality: 'motion', settings: { motion: { rateHz: 5, windowSeconds: 1 } } }, /has 5 steps; it needs at least 8/],
      [{ labels: ['a', 'b'], modality: 'motion', settings: { motion: { rateHz: 5000 } } }, /rateHz must be <= 500/],
      [{ labels: ['a', 'b'], modality: 'audio', settings: { audio: { clipSeconds: 60 } } }, /clipSeconds must be <= 10/],
      [{ labels: ['a', 'b'], modality: 'text', settings: { text: { seqLength: 2.5 } } }, /seqLength must be integer/],
      [{ labels: ['normal'], modality: 'tabular', task: 'anomaly', featureNames: ['x'], settings: { falseAlarmRate: 0.9 } }, /falseAlarmRate must be <= 0\.25/],
    ];
    for (const [body, message] of cases) {
      const answer = await post({ name: 'x', ...(body as object) });
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(answer.body.error.code, 'OFFGRID_ERR_VALIDATION', JSON.stringify(body));
      assert.match(answer.body.error.message, message, JSON.stringify(body));
    }
  });
});

describe('export and import keep the modality', () => {
  test('a tabular project moves to another server with its fields and sample meta', async () => {
    const created = await post({ name: 'pump', labels: ['normal', 'worn'], modality: 'tabular', task: 'anomaly', featureNames: ['temp'], settings: { falseAlarmRate: 0.05 } });
    const row = await t.api(`/projects/${created.body.id}/samples?label=normal`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"features":[3]}' });
    assert.equal(row.status, 201);
    const archive = Buffer.from(await (await t.api(`/projects/${created.body.id}/export`)).arrayBuffer());
    const other = await startTestServer();
    try {
      const imported = await other.api('/projects/import', { method: 'POST', headers: { 'content-type': 'application/x-tar' }, body: archive });
      assert.equal(imported.status, 201);
      assert.deepEqual(((await imported.json()) as { project: unknown }).project, { ...created.body, sampleCounts: { normal: 1, worn: 0 } });
      const samples = ((await (await other.api(`/projects/${created.body.id}/samples`)).json()) as { samples: unknown[] }).samples;
      assert.deepEqual(samples, [((await row.json()) as { sample: unknown }).sample]);
    } finally {
      await other.stop();
    }
  });
});

describe('migration 3', () => {
  test('a database from before modalities keeps its projects and samples, as image classifiers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'offgrid-migrate-'));
    try {
      const file = join(dir, 'offgrid.db');
      const old = new Database(file);
      for (const step of MIGRATIONS.slice(0, 2)) old.exec(step);
      old.pragma('user_version = 2');
      old.prepare("INSERT INTO projects (id, name, labels, created_at) VALUES ('p1', 'pets', '[\"cat\",\"dog\"]', '2025-01-01T00:00:00Z')").run();
      old.prepare(`INSERT INTO samples (id, project_id, label, sha256, media_type, width, height, idempotency_key, created_at)
        VALUES ('s1', 'p1', 'cat', '${'a'.repeat(64)}', 'image/jpeg', 64, 48, 'k1', '2025-01-01T00:00:01Z')`).run();
      old.close();
      const db = openDatabase(file);
      try {
        assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
        const project = new ProjectStore(db).get('p1');
        assert.deepEqual([project.modality, project.task, project.settings, project.featureNames, project.sampleCounts], ['image', 'classify', {}, undefined, { cat: 1, dog: 0 }]);
        assert.deepEqual(db.prepare('SELECT width, height, meta, idempotency_key FROM samples').get(), { width: 64, height: 48, meta: '{"width":64,"height":48}', idempotency_key: 'k1' });
        // The constraints survived the rebuild: same bytes or key again in the project are refused.
        assert.throws(() => db.prepare(`INSERT INTO samples (id, project_id, label, sha256, media_type, created_at) VALUES ('s2', 'p1', 'dog', '${'a'.repeat(64)}', 'image/png', 'now')`).run(), /UNIQUE/);
        assert.throws(() => db.prepare(`INSERT INTO samples (id, project_id, label, sha256, media_type, idempotency_key, created_at) VALUES ('s3', 'p1', 'dog', '${'b'.repeat(64)}', 'text/plain', 'k1', 'now')`).run(), /UNIQUE/);
      } finally {
        db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
