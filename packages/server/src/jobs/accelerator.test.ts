import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LOSE_DEVICE_ENV } from '@offgrid/engine/accelerator';
import { startTestServer } from '../test-server.ts';
import { jpegOf } from '../test-images.ts';
import { json, postJson, readEvents } from './test-training.ts';

// WebGPU runs on whatever adapter the machine has: in CI, Mesa's software Vulkan (lavapipe, scripts/setup.sh).
const NO_ADAPTER = 'no WebGPU adapter here: run scripts/setup.sh (it installs Mesa\'s Vulkan drivers from bookworm-backports)';

interface Ready { accelerator: { backend: string; reason: string; adapter?: string; speedup?: number } }
interface Fallback { at: string; during: string; error: string; resumedFromEpoch?: number }

test('--accelerator webgpu: chosen once at start-up and shown in /ready; a GPU lost mid-search, the search goes on on wasm and says so', { timeout: 300_000 }, async () => {
  // A genuine device loss in Dawn: each WebGPU trial's worker destroys its device after 3 steps (worker threads read the env when they start).
  process.env[LOSE_DEVICE_ENV] = '3';
  const t = await startTestServer({ accelerator: 'webgpu' });
  try {
    const ready = await json(await t.api('/ready', { key: null })) as Ready;
    assert.equal(ready.accelerator.backend, 'webgpu', `${NO_ADAPTER} (${ready.accelerator.reason})`);
    assert.match(ready.accelerator.reason, /^webgpu, as asked: .+, gradients match cpu, \d+\.\d\dx wasm's training speed$/);
    assert.ok(ready.accelerator.adapter && ready.accelerator.speedup! > 0, JSON.stringify(ready));
    assert.deepEqual(t.server.accelerator, { ...t.server.accelerator, ...ready.accelerator });

    const project = await json(await postJson(t, '/projects', { name: 'colours', labels: ['red', 'blue'] }));
    for (const [label, rgb] of [['red', [220, 40, 40]], ['blue', [40, 60, 220]]] as const) {
      for (let i = 0; i < 10; i++) {
        const response = await t.api(`/projects/${project.id}/samples?label=${label}`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: await jpegOf([...rgb], i + (label === 'red' ? 100 : 200), 32) });
        assert.equal(response.status, 201);
      }
    }
    const started = await postJson(t, `/projects/${project.id}/train`, { budgetSeconds: 20, seed: 1 });
    assert.equal(started.status, 202);
    const events = await readEvents(t, (await json(started)).id);
    const last = events.at(-1)!;
    assert.equal(last.status, 'succeeded', JSON.stringify(last));
    const streamed = events.map((e) => (e.progress as { acceleratorFallback?: Fallback }).acceleratorFallback).filter(Boolean);
    assert.ok(streamed.length > 0, 'the progress stream says that WebGPU failed');
    const fallback = streamed[0]!;
    assert.match(fallback.during, /^trial \d+$/);
    assert.match(fallback.error, /^the GPU device was lost \(destroyed/);
    assert.ok(Math.abs(Date.now() - Date.parse(fallback.at)) < 300_000);

    const report = await json(await t.api(`/models/${last.modelId}/report`));
    assert.equal(report.accelerator.backend, 'webgpu');
    assert.equal(report.accelerator.reason, ready.accelerator.reason);
    assert.deepEqual(report.accelerator.fallback, fallback, 'the report keeps what failed and when');
    assert.ok(report.trials.length >= 2, `the search went on after the loss: ${report.trials.length} trials`);
    const html = await (await t.api(`/models/${last.modelId}/report.html`)).text();
    assert.match(html, /WebGPU failed during trial \d+ at .* \(the GPU device was lost/);
  } finally {
    delete process.env[LOSE_DEVICE_ENV];
    await t.stop();
  }
});

test('--accelerator webgpu without an adapter: the server starts on wasm and /ready says why, as offgrid train does', { timeout: 120_000 }, async () => {
  const saved = process.env.VK_ICD_FILENAMES;
  process.env.VK_ICD_FILENAMES = '/nonexistent/icd.json'; // the Vulkan loader finds no driver: Dawn has no adapter
  try {
    const t = await startTestServer({ accelerator: 'webgpu' });
    try {
      const { accelerator } = await json(await t.api('/ready', { key: null })) as Ready;
      assert.equal(accelerator.backend, 'wasm');
      assert.match(accelerator.reason, /^wasm: No WebGPU adapter: .*Install/);
    } finally {
      await t.stop();
    }
  } finally {
    if (saved === undefined) delete process.env.VK_ICD_FILENAMES;
    else process.env.VK_ICD_FILENAMES = saved;
  }
});
