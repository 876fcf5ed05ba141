import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { resolveConfig, serveOptionsOf } from '../config.ts';
import { startTestServer } from '../test-server.ts';
import { redactUrl } from './log-redaction.ts';

test('the access log of a real server (its default logger, level info) never holds a pairing token or key from a URL', async () => {
  let logged = '';
  const stream = new Writable({ write(chunk, _encoding, done) { logged += String(chunk); done(); } });
  const { logger } = serveOptionsOf(resolveConfig([], {}));
  const t = await startTestServer({ logger: { ...(logger as object), stream } });
  try {
    const { token } = (await (await t.api('/pairing/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()) as { token: string };
    // The pairing link as a phone opens it, and secrets other clients might put in a query.
    await (await fetch(`${t.baseUrl}/?pair=${encodeURIComponent(token)}`)).arrayBuffer();
    await (await fetch(`${t.baseUrl}/api/v1/projects?apiKey=${t.adminKey}&limit=5`)).arrayBuffer();
    await (await fetch(`${t.baseUrl}/api/v1/health?token=${token}&KEY=${t.adminKey}`)).arrayBuffer();
  } finally {
    await t.stop();
  }
  const urls = logged.split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { req?: { url: string } }).req?.url).filter(Boolean);
  assert.ok(urls.includes('/?pair=[REDACTED]'), `logged: ${urls.join(', ')}`);
  assert.ok(urls.includes('/api/v1/projects?apiKey=[REDACTED]&limit=5'));
  assert.ok(urls.includes('/api/v1/health?token=[REDACTED]&KEY=[REDACTED]'));
  assert.ok(!logged.includes(t.adminKey.slice(3)), 'the admin key is nowhere in the log');
  assert.doesNotMatch(logged, /pair=(?!\[REDACTED\])/);
});

test('redactUrl keeps the path and harmless parameters', () => {
  for (const [url, redacted] of [
    ['/', '/'],
    ['/api/v1/projects?limit=5&after=x', '/api/v1/projects?limit=5&after=x'],
    ['/?pair=abc', '/?pair=[REDACTED]'],
    ['/x?api_key=a&access-token=b&secret=c&password=d&Api-Key=e', '/x?api_key=[REDACTED]&access-token=[REDACTED]&secret=[REDACTED]&password=[REDACTED]&Api-Key=[REDACTED]'],
    ['/x?%70air=abc&keyboard=1&pair', '/x?%70air=[REDACTED]&keyboard=1&pair'],
    ['/x?%E0%A4%A=1', '/x?%E0%A4%A=1'],
  ]) assert.equal(redactUrl(url), redacted, url);
});
