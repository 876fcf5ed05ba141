import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { DEFAULT_IMAGE_SPEC, preprocessImage } from '@offgrid/features';
import { readLabels, runTflite } from '@offgrid/tflite';
import { startTestServer, type TestServer } from '../test-server.ts';
import { jpegOf } from '../test-images.ts';
import { decodeImage } from '@offgrid/engine/data';

let t: TestServer;
before(async () => { t = await startTestServer(); });
after(async () => { await t.stop(); });

const COLOURS: Record<string, [number, number, number]> = { red: [220, 40, 40], blue: [40, 60, 220] };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
async function json(response: Response): Promise<any> {
  return response.json();
}

/** Reads the SSE stream until it closes, returning every job state it carried. */
async function readEvents(jobId: string): Promise<{ status: string; progress: { phase: string; fraction: number; epoch: number } }[]> {
  const response = await t.api(`/jobs/${jobId}/events`);
  assert.equal(response.headers.get('content-type'), 'text/event-stream');
  const text = await response.text();
  return text.split('\n\n').filter((block) => block.startsWith('event: job')).map((block) => JSON.parse(block.split('\ndata: ')[1]));
}

test('upload → train with live progress → registered model → the .tflite predicts the colours in LiteRT.js', { timeout: 120_000 }, async () => {
  const created = await t.api('/projects', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'colours', labels: Object.keys(COLOURS) }) });
  const project = await json(created);
  for (const [label, rgb] of Object.entries(COLOURS)) {
    for (let i = 0; i < 12; i++) {
      const response = await t.api(`/projects/${project.id}/samples?label=${label}`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: await jpegOf(rgb, i + (label === 'red' ? 100 : 200)) });
      assert.equal(response.status, 201);
    }
  }
  const started = await t.api(`/projects/${project.id}/train`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ budgetSeconds: 20, epochs: 8, batchSize: 8, validationSplit: 0.25 }) });
  assert.equal(started.status, 202);
  const job = await json(started);
  assert.equal(job.status, 'queued');

  const events = await readEvents(job.id);
  const last = events.at(-1)!;
  assert.equal(last.status, 'succeeded', JSON.stringify(last));
  assert.ok(events.some((e) => e.status === 'running' && e.progress.phase === 'training' && e.progress.epoch >= 1), 'training progress was streamed');
  const fractions = events.map((e) => e.progress.fraction);
  assert.deepEqual(fractions, [...fractions].sort((a, b) => a - b), 'progress never goes backwards');

  const polled = await json(await t.api(`/jobs/${job.id}`));
  assert.equal(polled.status, 'succeeded');
  assert.equal(polled.progress.phase, 'done');
  assert.ok(polled.progress.epoch >= 1 && polled.progress.epoch === polled.progress.epochs, JSON.stringify(polled.progress));
  const { models } = await json(await t.api(`/projects/${project.id}/models`));
  assert.equal(models.length, 1);
  assert.equal(models[0].id, polled.modelId);
  assert.deepEqual(models[0].labels, ['red', 'blue']);
  assert.deepEqual(models[0].input, { width: 32, height: 32, channels: 3, dtype: 'float32', mean: 127.5, std: 127.5 });

  const download = await t.api(`/models/${polled.modelId}/download?variant=float32`);
  assert.equal(download.status, 200);
  const bytes = new Uint8Array(await download.arrayBuffer());
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  assert.equal(download.headers.get('x-checksum-sha256'), sha256);
  assert.equal(download.headers.get('etag'), `"${sha256}"`);
  assert.equal(new TextDecoder().decode(bytes.subarray(4, 8)), 'TFL3');
  const cached = await t.api(`/models/${polled.modelId}/download`, { headers: { 'if-none-match': `"${sha256}"` } });
  assert.equal(cached.status, 304);

  // Fresh pictures the model never saw, preprocessed exactly as the phone does.
  for (const [index, [label, rgb]] of Object.entries(COLOURS).entries()) {
    const input = preprocessImage(await decodeImage(await jpegOf(rgb, 999 + index)), DEFAULT_IMAGE_SPEC);
    const [probabilities] = await runTflite(bytes, [input]);
    assert.equal(probabilities.length, 2);
    assert.ok(Math.abs(probabilities[0] + probabilities[1] - 1) < 1e-4);
    assert.equal(probabilities.indexOf(Math.max(...probabilities)), index, `${label} predicted as ${[...probabilities]}`);
  }

  // The int8 file ships too: labels and normalization in its metadata, about a quarter of the float32 size.
  const int8 = new Uint8Array(await (await t.api(`/models/${polled.modelId}/download?variant=int8`)).arrayBuffer());
  assert.deepEqual(readLabels(int8), ['red', 'blue']);
  assert.ok(int8.length < 0.3 * bytes.length, `int8 ${int8.length} B vs float32 ${bytes.length} B`);
  assert.deepEqual(models[0].artifacts.map((a: { variant: string }) => a.variant).sort(), ['float16', 'float32', 'int8']);
  const [probabilities] = await runTflite(int8, [preprocessImage(await decodeImage(await jpegOf(COLOURS.blue, 2024)), DEFAULT_IMAGE_SPEC)]);
  assert.ok(probabilities[1] > probabilities[0], `int8 predicts blue: ${[...probabilities]}`);
});
