// watchJob's transports in order: a real WebSocket server (the `ws` package, on a real port) for the socket, the
// scripted fetch for SSE and polling. Checks the fallback order, reconnects and what `onConnection` reports.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { OffgridClient } from './client.ts';
import { OffgridApiError } from './errors.ts';
import { fakeFetch, jsonResponse, streamedResponse } from './test-fetch.ts';
import type { FakeRoute } from './test-fetch.ts';
import type { Job, JobStatus } from './types.ts';
import type { JobConnection, WebSocketConstructor } from './watch-job.ts';

function job(status: JobStatus, epoch = 1): Job {
  return {
    id: 'job1', projectId: 'p1', status,
    progress: {
      phase: status === 'succeeded' ? 'done' : 'searching', epoch, epochs: 3, fraction: epoch / 3,
      elapsedSeconds: epoch, etaSeconds: 3 - epoch, trialsFinished: 0, leaderboard: [],
    },
    createdAt: '2025-01-01T00:00:00Z', updatedAt: `2025-01-01T00:00:0${epoch}Z`,
    ...(status === 'succeeded' ? { modelId: 'm1' } : {}),
  };
}
const sse = (value: Job) => `event: job\ndata: ${JSON.stringify(value)}\n\n`;

/** What the socket server does with each connection (its 0-based index); `refuse` answers the upgrade with 404. */
type SocketScript = ((socket: WebSocket, index: number) => void) | 'refuse';

let server: WebSocketServer;
let script: SocketScript = 'refuse';
const handshakes: { url: string; protocols: string[] }[] = [];
let baseUrl: string;
/** Connections in the current test (the script's index). */
let socketCount = 0;

before(async () => {
  server = new WebSocketServer({
    port: 0, host: '127.0.0.1',
    verifyClient: (info, accept) => {
      handshakes.push({ url: info.req.url ?? '', protocols: String(info.req.headers['sec-websocket-protocol'] ?? '').split(/,\s*/) });
      if (script === 'refuse') accept(false, 404, 'Not Found');
      else accept(true);
    },
    handleProtocols: (protocols) => (protocols.has('offgrid.v1') ? 'offgrid.v1' : false),
  });
  server.on('connection', (socket) => {
    if (script !== 'refuse') script(socket, socketCount++);
  });
  await new Promise<void>((resolve) => server.on('listening', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A client whose WebSocket is `ws` (Node 20 has none) and whose fetch is scripted; fresh counters per test. */
function setUp(socketScript: SocketScript, route: FakeRoute = () => { throw new Error('fetch was not expected'); }) {
  script = socketScript;
  handshakes.length = 0;
  socketCount = 0;
  const { fetch, requests } = fakeFetch(route);
  const client = new OffgridClient({ baseUrl, apiKey: 'k1', fetch, pollIntervalMs: 5, WebSocket: WebSocket as unknown as WebSocketConstructor });
  const connections: JobConnection[] = [];
  const seen: string[] = [];
  const watch = (signal?: AbortSignal) =>
    client.watchJob('job1', (j) => seen.push(`${j.status}:${j.progress.epoch}`), { signal, onConnection: (c) => connections.push(c) });
  return { watch, requests, connections, seen, client };
}

describe('watchJob transports', () => {
  it('uses the WebSocket first: key as subprotocol, every message, no HTTP request', async () => {
    const t = setUp((socket) => {
      for (const value of [job('running', 1), job('running', 2), job('succeeded', 3)]) socket.send(JSON.stringify(value));
      socket.close(1000, 'final status');
    });
    const final = await t.watch();
    assert.equal(final.modelId, 'm1');
    assert.deepEqual(t.seen, ['running:1', 'running:2', 'succeeded:3']);
    assert.deepEqual(t.connections, [{ transport: 'websocket', state: 'live' }]);
    assert.deepEqual(handshakes, [{ url: '/api/v1/jobs/job1/socket', protocols: ['offgrid.v1', 'key.k1'] }]);
    assert.equal(t.requests.length, 0);
  });

  it('falls back to SSE when the socket is refused', async () => {
    const t = setUp('refuse', () => streamedResponse([sse(job('running', 1)), sse(job('succeeded', 3))]));
    const final = await t.watch();
    assert.equal(final.status, 'succeeded');
    assert.equal(handshakes.length, 1, 'a refused socket is not retried');
    assert.deepEqual(t.requests.map((r) => r.url), [`${baseUrl}/api/v1/jobs/job1/events`]);
    assert.deepEqual(t.connections, [{ transport: 'sse', state: 'live' }]);
    assert.deepEqual(t.seen, ['running:1', 'succeeded:3']);
  });

  it('falls back to polling when the socket and the stream are both refused', async () => {
    const polled = [job('running', 2), job('succeeded', 3)];
    const t = setUp('refuse', (request) =>
      request.url.endsWith('/events') ? jsonResponse({ error: { code: 'X', message: 'no stream' } }, 500) : jsonResponse(polled.shift()),
    );
    const final = await t.watch();
    assert.equal(final.status, 'succeeded');
    assert.deepEqual(t.requests.map((r) => r.url.replace(baseUrl, '')), ['/api/v1/jobs/job1/events', '/api/v1/jobs/job1', '/api/v1/jobs/job1']);
    assert.deepEqual(t.connections, [{ transport: 'polling', state: 'live' }]);
    assert.deepEqual(t.seen, ['running:2', 'succeeded:3']);
  });

  it('goes straight to SSE where there is no WebSocket (Node 20)', async () => {
    const { fetch, requests } = fakeFetch(() => streamedResponse([sse(job('succeeded', 3))]));
    script = 'refuse';
    handshakes.length = 0;
    const connections: JobConnection[] = [];
    const noSocket = new OffgridClient({ baseUrl, fetch, WebSocket: null });
    assert.equal((await noSocket.watchJob('job1', () => undefined, { onConnection: (c) => connections.push(c) })).status, 'succeeded');
    if (!('WebSocket' in globalThis)) {
      // The default: globalThis.WebSocket, absent here.
      await new OffgridClient({ baseUrl, fetch }).watchJob('job1', () => undefined);
    }
    assert.equal(handshakes.length, 0);
    assert.ok(requests.every((r) => r.url.endsWith('/events')));
    assert.deepEqual(connections, [{ transport: 'sse', state: 'live' }]);
  });

  it('reconnects a socket that broke while it brought news, reporting only what is new', async () => {
    const t = setUp((socket, index) => {
      if (index === 0) {
        socket.send(JSON.stringify(job('running', 1)));
        setTimeout(() => socket.terminate(), 20); // the Wi-Fi drops: no close frame
      } else {
        for (const value of [job('running', 1), job('running', 2), job('succeeded', 3)]) socket.send(JSON.stringify(value));
        socket.close(1000);
      }
    });
    const final = await t.watch();
    assert.equal(final.status, 'succeeded');
    assert.equal(handshakes.length, 2);
    assert.deepEqual(t.seen, ['running:1', 'running:2', 'succeeded:3'], 'the reconnect’s repeated first state is not reported again');
    assert.deepEqual(t.connections.map((c) => `${c.transport} ${c.state}`), ['websocket live', 'websocket reconnecting', 'websocket live']);
    assert.equal(t.requests.length, 0);
  });

  it('leaves a socket that keeps closing without news for SSE', async () => {
    const t = setUp(
      (socket) => {
        socket.send(JSON.stringify(job('running', 1)));
        socket.close(1001, 'going away');
      },
      () => streamedResponse([sse(job('running', 1)), sse(job('succeeded', 3))]),
    );
    const final = await t.watch();
    assert.equal(final.status, 'succeeded');
    assert.equal(handshakes.length, 3, 'one connection with news, then two without');
    assert.deepEqual(t.seen, ['running:1', 'succeeded:3']);
    assert.deepEqual(t.connections.map((c) => `${c.transport} ${c.state}`).at(-1), 'sse live');
  });

  it('polling rides out an unreachable server and throws other errors', async () => {
    let calls = 0;
    const t = setUp('refuse', (request) => {
      if (request.url.endsWith('/events')) return Promise.reject(new TypeError('fetch failed'));
      calls++;
      return calls === 1 ? Promise.reject(new TypeError('fetch failed')) : jsonResponse(job('succeeded', 3));
    });
    assert.equal((await t.watch()).status, 'succeeded');
    assert.deepEqual(t.connections, [{ transport: 'polling', state: 'reconnecting' }, { transport: 'polling', state: 'live' }]);

    const missing = setUp('refuse', (request) =>
      request.url.endsWith('/events') ? Promise.reject(new TypeError('fetch failed')) : jsonResponse({ error: { code: 'OFFGRID_ERR_NOT_FOUND', message: 'No job job1.' } }, 404),
    );
    await assert.rejects(missing.watch(), (error: unknown) => error instanceof OffgridApiError && error.status === 404 && /No job job1/.test(error.message));
  });

  it('an abort closes the socket and rejects with the reason', async () => {
    let closedByClient: Promise<number> | undefined;
    const t = setUp((socket) => {
      closedByClient = new Promise((resolve) => socket.on('close', (code) => resolve(code)));
      socket.send(JSON.stringify(job('running', 1)));
    });
    const controller = new AbortController();
    const watching = t.watch(controller.signal);
    while (t.seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort(new Error('user left'));
    await assert.rejects(watching, /user left/);
    assert.ok(closedByClient);
    assert.equal(typeof (await closedByClient), 'number');
  });
});
