import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { sha256Hex } from './checksum.ts';
import { OffgridClient } from './client.ts';
import { MemoryOutboxStore, Outbox, backoffDelay } from './outbox.ts';
import type { OutboxEvent } from './outbox.ts';
import { fakeFetch, jsonResponse } from './test-fetch.ts';
import type { RecordedRequest } from './test-fetch.ts';

const BASE = 'https://192.168.1.20:8000';
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 9, 9, 9]);

/** A server that stores each Idempotency-Key once and can be switched off. */
function fakeServer() {
  const stored = new Map<string, string>();
  const state = { up: true, status: 201, retryAfter: undefined as string | undefined };
  const { fetch, requests } = fakeFetch(async (request: RecordedRequest) => {
    if (!state.up) throw new TypeError('fetch failed: connect ECONNREFUSED');
    if (state.status !== 201) {
      const headers: Record<string, string> = state.retryAfter ? { 'Retry-After': state.retryAfter } : {};
      return jsonResponse({ error: { code: state.status === 429 ? 'OFFGRID_ERR_RATE_LIMITED' : 'OFFGRID_ERR_UNKNOWN_LABEL', message: 'no' } }, state.status, headers);
    }
    const key = request.headers['Idempotency-Key'];
    const duplicate = stored.has(key);
    const label = new URL(request.url).searchParams.get('label')!;
    if (!duplicate) stored.set(key, label);
    return jsonResponse({ sample: { id: key, label }, duplicate }, 201);
  });
  return { client: new OffgridClient({ baseUrl: BASE, apiKey: 'k', fetch }), stored, state, requests };
}

function until(outbox: Outbox, predicate: () => boolean, timeoutMs = 2000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (predicate()) return resolve();
    const timer = setTimeout(() => reject(new Error(`timed out; snapshot ${JSON.stringify(outbox.snapshot())}`)), timeoutMs);
    const unsubscribe = outbox.subscribe(() => {
      if (!predicate()) return;
      clearTimeout(timer);
      unsubscribe();
      resolve();
    });
  });
}

describe('Outbox', () => {
  it('stores a sample before uploading it with its id as Idempotency-Key, then forgets it', async () => {
    const server = fakeServer();
    const store = new MemoryOutboxStore();
    const putsBeforeUpload: number[] = [];
    const originalPut = store.put.bind(store);
    store.put = async (entry) => {
      putsBeforeUpload.push(server.requests.length);
      return originalPut(entry);
    };
    const outbox = new Outbox({ uploader: server.client, store });
    const uploaded: OutboxEvent[] = [];
    outbox.subscribe((event) => event.type === 'uploaded' && uploaded.push(event));
    await outbox.start();
    const entry = await outbox.add({ projectId: 'p1', label: 'apple', data: JPEG });
    await outbox.flush();
    assert.deepEqual(putsBeforeUpload, [0], 'written to the store before any request');
    assert.equal(server.requests[0].headers['Idempotency-Key'], entry.id);
    assert.equal(server.requests[0].headers['Content-Type'], 'image/jpeg');
    assert.equal(store.entries.size, 0);
    assert.equal(uploaded.length, 1);
    assert.deepEqual(outbox.snapshot().pending, 0);
  });

  it('keeps samples pending while the server is away, backs off, and uploads each exactly once when it is back', async () => {
    const server = fakeServer();
    server.state.up = false;
    const store = new MemoryOutboxStore();
    const outbox = new Outbox({ uploader: server.client, store, baseDelayMs: 60_000 });
    await outbox.start();
    for (const label of ['apple', 'apple', 'banana']) await outbox.add({ projectId: 'p1', label, data: JPEG });
    await outbox.flush();
    const snapshot = outbox.snapshot();
    assert.equal(snapshot.pending, 3);
    assert.equal(snapshot.failed, 0);
    assert.deepEqual(snapshot.pendingByLabel, { p1: { apple: 2, banana: 1 } });
    assert.ok(snapshot.retryAt! > Date.now() + 20_000, 'waits before the next try');
    const tries = server.requests.length;
    await outbox.flush();
    assert.equal(server.requests.length, tries, 'no retry storm during backoff');

    server.state.up = true;
    await outbox.flush({ force: true });
    assert.equal(outbox.snapshot().pending, 0);
    assert.equal(server.stored.size, 3);
    outbox.stop();
  });

  it('resumes entries a previous session left in the store', async () => {
    const server = fakeServer();
    server.state.up = false;
    const store = new MemoryOutboxStore();
    const first = new Outbox({ uploader: server.client, store });
    await first.start();
    await first.add({ projectId: 'p1', label: 'apple', data: JPEG });
    await first.flush();
    first.stop();
    assert.equal(store.entries.size, 1);

    server.state.up = true;
    const second = new Outbox({ uploader: server.client, store });
    await second.start();
    await second.flush({ force: true });
    assert.equal(store.entries.size, 0);
    assert.equal(server.stored.size, 1);
  });

  it('retries automatically after the backoff delay', async () => {
    const server = fakeServer();
    server.state.up = false;
    const outbox = new Outbox({ uploader: server.client, store: new MemoryOutboxStore(), baseDelayMs: 20, maxDelayMs: 40 });
    await outbox.start();
    await outbox.add({ projectId: 'p1', label: 'apple', data: JPEG });
    await outbox.flush();
    assert.equal(outbox.snapshot().pending, 1);
    server.state.up = true;
    await until(outbox, () => outbox.snapshot().pending === 0);
    assert.equal(server.stored.size, 1);
    outbox.stop();
  });

  it('marks what the server refuses for good as failed, and can retry or discard it', async () => {
    const server = fakeServer();
    server.state.status = 422;
    const store = new MemoryOutboxStore();
    const outbox = new Outbox({ uploader: server.client, store });
    await outbox.start();
    await outbox.add({ projectId: 'p1', label: 'pear', data: JPEG });
    await outbox.flush();
    assert.deepEqual([outbox.snapshot().pending, outbox.snapshot().failed], [0, 1]);
    assert.equal(outbox.list()[0].lastErrorCode, 'OFFGRID_ERR_UNKNOWN_LABEL');
    const requests = server.requests.length;
    await outbox.flush({ force: true });
    assert.equal(server.requests.length, requests, 'failed entries are not retried by themselves');

    server.state.status = 201;
    await outbox.retryFailed();
    assert.deepEqual([outbox.snapshot().pending, outbox.snapshot().failed], [0, 0]);

    server.state.status = 400;
    await outbox.add({ projectId: 'p1', label: 'pear', data: JPEG });
    await outbox.flush();
    await outbox.discardFailed();
    assert.equal(store.entries.size, 0);
  });

  it('honours Retry-After on 429', async () => {
    const server = fakeServer();
    server.state.status = 429;
    server.state.retryAfter = '120';
    const outbox = new Outbox({ uploader: server.client, store: new MemoryOutboxStore(), baseDelayMs: 10 });
    await outbox.start();
    await outbox.add({ projectId: 'p1', label: 'apple', data: JPEG });
    await outbox.flush();
    const { pending, retryAt } = outbox.snapshot();
    assert.equal(pending, 1, 'rate limiting is transient');
    assert.ok(retryAt! >= Date.now() + 110_000, `retry at ${retryAt}`);
    outbox.stop();
  });

  it('does not upload while paused, and catches up on resume', async () => {
    const server = fakeServer();
    const outbox = new Outbox({ uploader: server.client, store: new MemoryOutboxStore() });
    await outbox.start();
    outbox.pause('battery');
    await outbox.add({ projectId: 'p1', label: 'apple', data: JPEG });
    await outbox.flush({ force: true });
    assert.equal(server.requests.length, 0);
    assert.deepEqual(outbox.snapshot().pausedBy, ['battery']);
    outbox.resume('battery');
    await until(outbox, () => outbox.snapshot().pending === 0);
    assert.equal(server.stored.size, 1);
  });

  it('sends gzip bodies with Content-Encoding when asked', async () => {
    const server = fakeServer();
    const outbox = new Outbox({ uploader: server.client, store: new MemoryOutboxStore(), gzip: true });
    await outbox.start();
    await outbox.add({ projectId: 'p1', label: 'apple', data: JPEG });
    await outbox.flush();
    const request = server.requests[0];
    assert.equal(request.headers['Content-Encoding'], 'gzip');
    assert.equal(request.headers['Content-Type'], 'image/jpeg');
    assert.deepEqual(new Uint8Array(gunzipSync(new Uint8Array(await new Response(request.body).arrayBuffer()))), JPEG);
  });

  it('sends the sha256 taken at capture as X-Checksum-Sha256, also for entries stored without one', async () => {
    const server = fakeServer();
    const store = new MemoryOutboxStore();
    const expected = await sha256Hex(JPEG);
    const outbox = new Outbox({ uploader: server.client, store });
    await outbox.start();
    const entry = await outbox.add({ projectId: 'p1', label: 'apple', data: JPEG });
    assert.equal(entry.sha256, expected, 'hashed when captured');
    await outbox.flush();
    assert.equal(server.requests[0].headers['X-Checksum-Sha256'], expected);

    // An entry an older app version queued (no sha256 field) is hashed when it is sent.
    await store.put({ ...entry, id: 'old-1', sha256: undefined, createdAt: new Date().toISOString() });
    await outbox.flush({ force: true });
    assert.equal(server.requests[1].headers['Idempotency-Key'], 'old-1');
    assert.equal(server.requests[1].headers['X-Checksum-Sha256'], expected);
  });

  it('stops gzipping for the session when the server refuses compressed bodies, and resends as is', async () => {
    const server = fakeServer();
    const { fetch, requests } = fakeFetch((request) =>
      request.headers['Content-Encoding'] === 'gzip'
        ? jsonResponse({ error: { code: 'OFFGRID_ERR_UNSUPPORTED_MEDIA_TYPE', message: 'no gzip' } }, 415)
        : server.client.uploadSample('p1', 'apple', JPEG).then((r) => jsonResponse(r, 201)),
    );
    const outbox = new Outbox({ uploader: new OffgridClient({ baseUrl: BASE, fetch }), store: new MemoryOutboxStore(), gzip: true });
    await outbox.start();
    await outbox.add({ projectId: 'p1', label: 'apple', data: JPEG });
    await outbox.flush();
    await outbox.add({ projectId: 'p1', label: 'apple', data: JPEG });
    await outbox.flush();
    assert.deepEqual(requests.map((r) => r.headers['Content-Encoding'] ?? 'identity'), ['gzip', 'identity', 'identity']);
    assert.equal(outbox.gzip, false);
    assert.deepEqual([outbox.snapshot().pending, outbox.snapshot().failed], [0, 0]);
  });

  it('resends a sample the server received corrupt (checksum mismatch) a few times, then marks it failed', async () => {
    const { fetch, requests } = fakeFetch(() => jsonResponse({ error: { code: 'OFFGRID_ERR_CHECKSUM_MISMATCH', message: 'corrupt' } }, 400));
    const outbox = new Outbox({ uploader: new OffgridClient({ baseUrl: BASE, fetch }), store: new MemoryOutboxStore(), checksumRetries: 2 });
    await outbox.start();
    await outbox.add({ projectId: 'p1', label: 'apple', data: JPEG });
    for (let round = 0; round < 4; round++) await outbox.flush({ force: true });
    outbox.stop();
    assert.equal(requests.length, 3, 'first try + 2 resends');
    assert.deepEqual([outbox.snapshot().pending, outbox.snapshot().failed], [0, 1]);
    assert.equal(outbox.list()[0].lastErrorCode, 'OFFGRID_ERR_CHECKSUM_MISMATCH');
  });
});

describe('Outbox edits', () => {
  /** Records uploads and edits in the order the server saw them; a label named "gone" is refused for good. */
  function editServer() {
    const seen: string[] = [];
    const state = { up: true };
    const { fetch } = fakeFetch(async (request: RecordedRequest) => {
      if (!state.up) throw new TypeError('fetch failed: connect ECONNREFUSED');
      const url = new URL(request.url);
      if (url.pathname.endsWith('/samples/edits')) {
        const edit = JSON.parse(await new Response(request.body).text()) as { action: string; sampleIds: string[]; label?: string };
        if (edit.label === 'gone') return jsonResponse({ error: { code: 'OFFGRID_ERR_UNKNOWN_LABEL', message: 'no label "gone"' } }, 400);
        seen.push(`${edit.action} ${edit.sampleIds.join(',')}${edit.label ? ` → ${edit.label}` : ''}`);
        return jsonResponse({ changed: edit.sampleIds, unchanged: [], missing: [], project: { id: 'p1', labels: ['a', 'b'], sampleCounts: {} } });
      }
      seen.push(`upload ${url.searchParams.get('label')}`);
      return jsonResponse({ sample: { id: request.headers['Idempotency-Key'], label: url.searchParams.get('label') }, duplicate: false }, 201);
    });
    return { client: new OffgridClient({ baseUrl: BASE, apiKey: 'k', fetch }), seen, state };
  }

  it('keeps edits made offline across a restart and sends them with the captures, in the order they were made', async () => {
    const server = editServer();
    server.state.up = false;
    const store = new MemoryOutboxStore();
    const first = new Outbox({ uploader: server.client, store, baseDelayMs: 60_000 });
    await first.start();
    await first.addEdit('p1', { action: 'delete', sampleIds: ['s1', 's2'] });
    await first.add({ projectId: 'p1', label: 'a', data: JPEG });
    await first.addEdit('p1', { action: 'restore', sampleIds: ['s1'] });
    await first.addEdit('p1', { action: 'relabel', sampleIds: ['s3'], label: 'b' });
    await first.flush();
    assert.deepEqual([first.snapshot().pendingEdits, first.snapshot().pending, first.snapshot().failed], [3, 1, 0]);
    first.stop();

    server.state.up = true;
    const second = new Outbox({ uploader: server.client, store });
    const edited: OutboxEvent[] = [];
    second.subscribe((event) => event.type === 'edited' && edited.push(event));
    await second.start();
    assert.deepEqual(server.seen, [], 'the first edit is still backing off, and nothing overtakes it');
    await second.flush({ force: true }); // what the app does when the server is reachable again
    await until(second, () => second.snapshot().pendingEdits + second.snapshot().pending === 0);
    assert.deepEqual(server.seen, ['delete s1,s2', 'upload a', 'restore s1', 'relabel s3 → b']);
    assert.equal(edited.length, 3, 'each sent edit is reported with the server\'s result');
    assert.equal(store.entries.size, 0);
  });

  it('marks an edit the server refuses as failed and goes on with the next', async () => {
    const server = editServer();
    const outbox = new Outbox({ uploader: server.client, store: new MemoryOutboxStore() });
    await outbox.start();
    await outbox.addEdit('p1', { action: 'relabel', sampleIds: ['s1'], label: 'gone' });
    await outbox.addEdit('p1', { action: 'delete', sampleIds: ['s2'] });
    await until(outbox, () => outbox.snapshot().pendingEdits === 0);
    assert.deepEqual(server.seen, ['delete s2']);
    assert.equal(outbox.snapshot().failed, 1);
    assert.match(outbox.list()[0].lastError ?? '', /no label "gone"/);
  });
});

describe('backoffDelay', () => {
  it('doubles per attempt with half of it jittered, up to the cap', () => {
    assert.equal(backoffDelay(1, 1000, 60_000, () => 0), 500);
    assert.equal(backoffDelay(1, 1000, 60_000, () => 1), 1000);
    assert.equal(backoffDelay(3, 1000, 60_000, () => 1), 4000);
    assert.equal(backoffDelay(30, 1000, 60_000, () => 1), 60_000);
  });
});
