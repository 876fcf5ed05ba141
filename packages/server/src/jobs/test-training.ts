import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { TestServer } from '../test-server.ts';

/** Helpers for tests that train on a real test server (training.test.ts, modality-training.test.ts). */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
export async function json(response: Response): Promise<any> {
  return response.json();
}

export interface StreamedJob {
  status: string;
  error?: string;
  failure?: { code: string; message: string };
  modelId?: string;
  progress: { phase: string; fraction: number; epoch: number; epochs: number; etaSeconds: number; trialsFinished: number; leaderboard: { trialNumber: number; family: string; status: string; valAccuracy?: number; epochs: number }[] };
}

/** Reads a job's SSE stream until it closes (after a final status), returning every job state it carried. */
export async function readEvents(t: TestServer, jobId: string): Promise<StreamedJob[]> {
  const response = await t.api(`/jobs/${jobId}/events`);
  assert.equal(response.headers.get('content-type'), 'text/event-stream');
  const text = await response.text();
  return text.split('\n\n').filter((block) => block.startsWith('event: job')).map((block) => JSON.parse(block.split('\ndata: ')[1]));
}

export async function postJson(t: TestServer, path: string, body: unknown): Promise<Response> {
  return t.api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** Starts a job, follows it to its end and returns its last state (assert on `status` yourself). */
export async function trainToEnd(t: TestServer, projectId: string, request: { budgetSeconds: number; seed?: number }): Promise<StreamedJob & { id: string }> {
  const started = await postJson(t, `/projects/${projectId}/train`, request);
  const job = await json(started);
  assert.equal(started.status, 202, JSON.stringify(job));
  const events = await readEvents(t, job.id);
  return { ...events.at(-1)!, id: job.id };
}

/** Downloads a model's .tflite file, checking the sha256 the server announces. */
export async function downloadModel(t: TestServer, modelId: string, variant: 'float32' | 'int8'): Promise<Uint8Array> {
  const response = await t.api(`/models/${modelId}/download?variant=${variant}`);
  assert.equal(response.status, 200);
  const bytes = new Uint8Array(await response.arrayBuffer());
  assert.equal(response.headers.get('x-checksum-sha256'), createHash('sha256').update(bytes).digest('hex'));
  return bytes;
}
