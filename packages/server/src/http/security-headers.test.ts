import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../test-server.ts';
import { rawRequest } from '../auth/raw-request.ts';
import { APP_CSP, DOCS_CSP, NOT_A_PAGE_CSP } from './security-headers.ts';

let t: TestServer;
let appDir: string;
before(async () => {
  appDir = mkdtempSync(join(tmpdir(), 'offgrid-app-'));
  writeFileSync(join(appDir, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(appDir, 'sw.js'), 'self.addEventListener("fetch", () => {});');
  t = await startTestServer({ appDir });
});
after(async () => {
  await t.stop();
  rmSync(appDir, { recursive: true, force: true });
});

const EVERYWHERE = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

test('every answer carries the security headers; the policy follows what the answer is', async () => {
  const cases: [string, Record<string, string> | undefined, string][] = [
    ['/', undefined, APP_CSP],
    ['/sw.js', undefined, APP_CSP],
    ['/api/v1/projects', { authorization: `Bearer ${t.adminKey}` }, NOT_A_PAGE_CSP],
    ['/api/v1/projects', undefined, NOT_A_PAGE_CSP],
    ['/api/v1/health', undefined, NOT_A_PAGE_CSP],
    ['/no/such/file', undefined, NOT_A_PAGE_CSP],
    ['/api/docs/static/index.html', undefined, DOCS_CSP],
  ];
  for (const [path, headers, csp] of cases) {
    const response = await fetch(`${t.baseUrl}${path}`, { headers });
    for (const [name, value] of Object.entries(EVERYWHERE)) assert.equal(response.headers.get(name), value, `${path} ${name}`);
    assert.equal(response.headers.get('content-security-policy'), csp, path);
    assert.equal(response.headers.get('strict-transport-security'), null, `${path}: no HSTS over plain HTTP`);
  }
  assert.match(APP_CSP, /frame-ancestors 'none'/);
  assert.doesNotMatch(APP_CSP, /'unsafe-eval'/, 'wasm compiles through wasm-unsafe-eval, script never through eval');
});

test('over HTTPS the server also sends HSTS', async () => {
  const secure = await startTestServer({ insecureHttp: false });
  try {
    const answer = await new Promise<{ hsts?: string }>((resolve, reject) => {
      import('node:https').then(({ get }) => get(`${secure.baseUrl}/api/v1/health`, { rejectUnauthorized: false }, (response) => {
        response.resume();
        resolve({ hsts: response.headers['strict-transport-security'] });
      }).on('error', reject), reject);
    });
    assert.equal(answer.hsts, 'max-age=31536000');
    assert.equal((await rawRequest(secure.baseUrl, 'GET', '/api/v1/health')).status, 200);
  } finally {
    await secure.stop();
  }
});
