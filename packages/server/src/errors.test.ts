import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TRAINING_FAILURES } from '@offgrid/engine/failure';
import { buildApp } from './app.ts';
import { ERRORS, errorBody, kindOfStatus, OffgridError } from './errors.ts';

const codes = Object.values(ERRORS).map(({ code }) => code);

describe('the error registry', () => {
  it('has 22 codes, each OFFGRID_ERR_ and its name', () => {
    // Pinned: a code added or removed also goes into docs/api.md's table and the SDK (npm run generate:sdk).
    assert.equal(codes.length, 22);
    for (const [kind, { code }] of Object.entries(ERRORS)) assert.equal(code, `OFFGRID_ERR_${kind}`);
  });

  it("docs/api.md names exactly the registry's codes, and its table gives each one's status", () => {
    const docs = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');
    assert.deepEqual([...new Set(docs.match(/\bOFFGRID_ERR_[A-Z]+(?:_[A-Z]+)*\b/g))].sort(), [...codes].sort());
    const table = [...docs.matchAll(/^\| `(OFFGRID_ERR_[A-Z_]+)` \| (\d+) \|/gm)].map(([, code, status]) => [code, Number(status)]);
    assert.deepEqual(table, Object.values(ERRORS).map(({ code, status }) => [code, status]));
  });

  it("docs/api.md lists exactly the engine's training failure codes", () => {
    const docs = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');
    const table = [...docs.matchAll(/^\| `([A-Z_]+)` \| (.+) \|$/gm)].filter(([, code]) => !code.startsWith('OFFGRID_ERR_'));
    assert.deepEqual(table.map(([, code, when]) => [code, when]), Object.entries(TRAINING_FAILURES));
  });

  it('builds bodies from registered kinds only', () => {
    assert.deepEqual(errorBody('NOT_FOUND', 'No project with id p1.'), { error: { code: 'OFFGRID_ERR_NOT_FOUND', message: 'No project with id p1.' } });
    assert.deepEqual(new OffgridError('CONFLICT', 'Taken.').toBody(), { error: { code: 'OFFGRID_ERR_CONFLICT', message: 'Taken.' } });
    // @ts-expect-error a kind that is not in the registry does not compile (the typecheck covers tests), nor does it run.
    assert.throws(() => errorBody('OFFGRID_ERR_NOT_FOUND', 'x'), TypeError);
  });

  it("gives a bare HTTP status the registry's one code for it, else REQUEST", () => {
    assert.deepEqual([413, 415, 416, 404, 500, 400, 405, 406].map(kindOfStatus), ['TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'RANGE_NOT_SATISFIABLE', 'NOT_FOUND', 'INTERNAL', 'REQUEST', 'REQUEST', 'REQUEST']);
  });
});

describe('errors Fastify meets before routing', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'offgrid-errors-'));
  let app: Awaited<ReturnType<typeof buildApp>>['app'];
  before(async () => {
    ({ app } = await buildApp({ dataDir, publicUrl: 'http://localhost', rateLimits: false, appDir: join(dataDir, 'no-app') }));
    await app.ready();
  });
  after(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a malformed URL gets 400 with an error body and how to fix it', async () => {
    const answer = await app.inject({ method: 'GET', url: '/api/v1/projects/%E0%A4%A' });
    assert.equal(answer.statusCode, 400);
    assert.match(String(answer.headers['content-type']), /^application\/json/);
    const { error } = answer.json() as { error: { code: string; message: string } };
    assert.equal(error.code, 'OFFGRID_ERR_REQUEST');
    assert.match(error.message, /^The URL cannot be read \(.*%E0%A4%A.*\)\. Percent-encode it/);
  });
});
