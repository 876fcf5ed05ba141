// The federated-round methods of OffgridClient (docs/federated.md): routes, bodies and answers, with a scripted fetch.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OffgridClient } from './client.ts';
import { OffgridApiError, OffgridChecksumError } from './errors.ts';
import { sha256Hex } from './checksum.ts';
import { fakeFetch, jsonResponse } from './test-fetch.ts';
import type { FederatedRound } from './types.ts';

const BASE = 'https://192.168.1.20:8000';
const ROUND_ID = 'r 1';

function round(status: FederatedRound['status'] = 'open'): FederatedRound {
  return {
    id: ROUND_ID, projectId: 'p1', number: 1, baseModelId: 'm1', status,
    settings: { minParticipants: 2, maxParticipants: 3, epochs: 5, learningRate: 0.05, batchSize: 16, clipNorm: 5, noiseMultiplier: 0, evaluationSeconds: 120 },
    createdAt: '2026-01-01T00:00:00Z', deadline: '2026-01-01T00:10:00Z', participants: [],
  };
}

describe('OffgridClient federated rounds', () => {
  it('lists, opens and reads rounds', async () => {
    const { fetch, requests } = fakeFetch((request) => request.url.endsWith('/federated/rounds') && request.method === 'GET' ? jsonResponse({ rounds: [round()] }) : jsonResponse(round(), request.method === 'POST' ? 201 : 200));
    const client = new OffgridClient({ baseUrl: BASE, apiKey: 'k', fetch });
    assert.deepEqual(await client.listRounds('p 1'), [round()]);
    assert.deepEqual(await client.openRound('p 1', { minParticipants: 2, maxParticipants: 3, deadlineSeconds: 60 }), round());
    assert.deepEqual(await client.getRound(ROUND_ID), round());
    assert.deepEqual(requests.map((r) => `${r.method} ${r.url.slice(BASE.length)}`), [
      'GET /api/v1/projects/p%201/federated/rounds',
      'POST /api/v1/projects/p%201/federated/rounds',
      'GET /api/v1/federated/rounds/r%201',
    ]);
    assert.deepEqual(JSON.parse(requests[1].body as string), { minParticipants: 2, maxParticipants: 3, deadlineSeconds: 60 });
    assert.equal(requests[1].headers['Content-Type'], 'application/json');
    assert.equal(requests[1].headers.Authorization, 'Bearer k');
  });

  it('joins, sends the update and the evaluation as JSON, reads the candidate, closes', async () => {
    const candidate = { round: 1, baseModelId: 'm1', head: { format: 'offgrid.head.v1', inputSize: 1, numClasses: 2, weights: 'AAAAAAAAAAA=', bias: 'AAAAAAAAAAA=' } };
    const { fetch, requests } = fakeFetch((request) => jsonResponse(request.url.endsWith('/candidate') ? candidate : round('evaluating')));
    const client = new OffgridClient({ baseUrl: BASE, apiKey: 'k', fetch });
    await client.joinRound(ROUND_ID);
    await client.sendRoundUpdate(ROUND_ID, { baseModelId: 'm1', sampleCount: 12, delta: 'AACAPw==' });
    assert.deepEqual(await client.getRoundCandidate(ROUND_ID), candidate);
    await client.sendRoundEvaluation(ROUND_ID, { samples: 4, correct: 3, baseCorrect: 2, logitRange: { min: -1, max: 2 } });
    assert.equal((await client.closeRound(ROUND_ID)).status, 'evaluating');
    assert.deepEqual(requests.map((r) => `${r.method} ${r.url.slice(BASE.length + 7)}`), [
      'POST /federated/rounds/r%201/join',
      'POST /federated/rounds/r%201/update',
      'GET /federated/rounds/r%201/candidate',
      'POST /federated/rounds/r%201/evaluation',
      'POST /federated/rounds/r%201/close',
    ]);
    assert.deepEqual(JSON.parse(requests[1].body as string), { baseModelId: 'm1', sampleCount: 12, delta: 'AACAPw==' });
    assert.deepEqual(JSON.parse(requests[3].body as string), { samples: 4, correct: 3, baseCorrect: 2, logitRange: { min: -1, max: 2 } });
  });

  it('turns a refused update into OffgridApiError with the server message', async () => {
    const body = { error: { code: 'OFFGRID_ERR_CONFLICT', message: 'The update was trained from another version (stale).' } };
    const { fetch } = fakeFetch(() => jsonResponse(body, 409));
    const error = await new OffgridClient({ baseUrl: BASE, fetch }).sendRoundUpdate(ROUND_ID, { baseModelId: 'm0', sampleCount: 1, delta: '' }).catch((e: unknown) => e);
    assert.ok(error instanceof OffgridApiError);
    assert.deepEqual([error.status, error.code, error.message], [409, 'OFFGRID_ERR_CONFLICT', body.error.message]);
  });
});

describe('OffgridClient.downloadHead and the trunk variants', () => {
  const serve = async (bytes: Uint8Array, sha?: string) => fakeFetch(async () => new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'X-Checksum-Sha256': sha ?? (await sha256Hex(bytes)) } }));

  it('downloads the head variant, verifies it and parses the JSON', async () => {
    const head = { format: 'offgrid.head.v1', inputSize: 1, numClasses: 1, weights: 'AACAPw==', bias: 'AAAAAA==' };
    const { fetch, requests } = await serve(new TextEncoder().encode(JSON.stringify(head)));
    assert.deepEqual(await new OffgridClient({ baseUrl: BASE, fetch }).downloadHead('m1'), head);
    assert.equal(requests[0].url, `${BASE}/api/v1/models/m1/download?variant=head`);
  });

  it('refuses a head that is not JSON or not a head, and one whose checksum differs', async () => {
    const notJson = await serve(new TextEncoder().encode('<html>'));
    await assert.rejects(new OffgridClient({ baseUrl: BASE, fetch: notJson.fetch }).downloadHead('m1'), /not an offgrid head \(not JSON\)/);
    const other = await serve(new TextEncoder().encode('{"format":"x"}'));
    await assert.rejects(new OffgridClient({ baseUrl: BASE, fetch: other.fetch }).downloadHead('m1'), /not an offgrid head \(format x\)/);
    const damaged = await serve(new TextEncoder().encode('{}'), '00'.repeat(32));
    await assert.rejects(new OffgridClient({ baseUrl: BASE, fetch: damaged.fetch }).downloadHead('m1'), OffgridChecksumError);
  });

  it('downloads trunk-int8 and trunk-float32 like any file', async () => {
    const bytes = new Uint8Array([0x54, 0x46, 0x4c, 0x33]);
    const { fetch, requests } = await serve(bytes);
    const client = new OffgridClient({ baseUrl: BASE, fetch });
    assert.deepEqual((await client.downloadModel('m1', 'trunk-int8')).bytes, bytes);
    assert.deepEqual((await client.downloadModel('m1', 'trunk-float32')).bytes, bytes);
    assert.deepEqual(requests.map((r) => r.url.split('?')[1]), ['variant=trunk-int8', 'variant=trunk-float32']);
  });
});
