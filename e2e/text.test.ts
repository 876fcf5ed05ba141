// Text, end to end in Chromium: type examples and tap their label → UTF-8 text in the outbox → gzipped uploads
// the server validates and stores → training on the server (vocabulary learned from the samples) → prediction on
// the phone as the user types: encodeText with the model's vocabulary → int32 ids → LiteRT.js → top-k.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { type TestServer } from '@offgrid/server/testing';
import type { Page } from 'playwright-core';
import { type Phone } from './browser.ts';
import { apiFromPage, loadModelForPrediction, pair, screenshot, startServerAndPhone, textOf, trainOnServer } from './helpers.ts';

const EXAMPLES: Record<string, string[]> = {
  praise: [
    'The soup was delicious',
    'Great service and friendly staff',
    'Lovely dessert, we will come back',
    'Amazing food and great value',
    'Friendly waiter and delicious pasta',
    'A wonderful evening, lovely staff',
    'Crème brûlée délicieuse 🍮, amazing',
    'The best pizza, simply great',
  ],
  complaint: [
    'The soup was cold',
    'Terrible service and rude staff',
    'We waited an hour, awful',
    'Dirty table and cold food',
    'Rude waiter and slow service',
    'An awful evening, never again',
    'Cold fries, terrible and slow',
    'The worst pizza, dirty plates',
  ],
};
const LABELS = Object.keys(EXAMPLES);

let server: TestServer;
let phone: Phone;
let page: Page;
let projectId: string;

before(async () => {
  ({ server, phone } = await startServerAndPhone());
  page = await phone.context.newPage();
  await pair(page, server);
});
after(async () => {
  await phone?.close();
  await server?.stop();
});

test('text: type examples, tap their label → UTF-8 text uploaded gzipped, exactly as typed', { timeout: 60_000 }, async () => {
  const byId = (id: string) => page.getByTestId(id);
  await byId('project-name-input').fill('Reviews');
  await byId('project-modality-select').selectOption('text');
  await byId('project-labels-input').fill(LABELS.join(', '));
  // Short reviews: the model reads up to 160 ids, about 8 words with their character n-grams (the setting; 512 by default).
  await byId('project-settings').locator('summary').click();
  await byId('setting-text-seq').fill('160');
  await byId('project-create-button').click();
  await textOf(byId('project-name'), /Reviews/);
  projectId = /#\/projects\/([^/]+)\//.exec(page.url())![1];
  const created = await apiFromPage<{ modality: string; settings?: { text?: { seqLength?: number } } }>(page, server.adminKey, `/projects/${projectId}`);
  assert.deepEqual([created.modality, created.settings?.text?.seqLength], ['text', 160]);
  assert.equal(await byId('camera').count(), 0, 'no camera for a text project');

  const uploads: Promise<{ encoding?: string; checksum?: string; type?: string; label: string; body: Buffer | null }>[] = [];
  page.on('request', (request) => {
    const match = /\/api\/v1\/projects\/[^/]+\/samples\?label=([^&]+)/.exec(request.url());
    if (request.method() !== 'POST' || !match) return;
    uploads.push(request.allHeaders().then((headers) => ({
      encoding: headers['content-encoding'], checksum: headers['x-checksum-sha256'], type: headers['content-type'], label: decodeURIComponent(match[1]), body: request.postDataBuffer(),
    })));
  });

  // Nothing to save yet: the label chips wait for text; blank text is not a sample.
  assert.equal(await byId(`text-label-button-${LABELS[0]}`).isDisabled(), true);
  await byId('text-sample-input').fill('   ');
  assert.equal(await byId(`text-label-button-${LABELS[0]}`).isDisabled(), true, 'white space only is not a sample');

  let saved = 0;
  for (const label of LABELS) {
    for (const text of EXAMPLES[label]) {
      await byId('text-sample-input').fill(`  ${text}\n`);
      await textOf(byId('text-sample-chars'), new RegExp(`^${[...text].length} / 5000$`));
      await byId(`text-label-button-${label}`).click();
      saved++;
      await page.waitForFunction((n) => Number(document.querySelector<HTMLElement>('[data-testid="text-capture-status"]')?.dataset.saved ?? 0) >= n, saved, { timeout: 5_000 });
      assert.equal(await byId('text-sample-input').inputValue(), '', 'the box clears for the next example');
    }
  }
  await textOf(byId('text-capture-status'), /^Saved as “complaint”/);
  await byId('text-sample-input').fill('Friendly staff and');
  await screenshot(page, 'text-1-capture');
  await byId('text-sample-input').fill('');

  const deadline = Date.now() + 20_000;
  let counts: Record<string, number> = {};
  while (Date.now() < deadline) {
    ({ sampleCounts: counts } = await apiFromPage<{ sampleCounts: Record<string, number> }>(page, server.adminKey, `/projects/${projectId}`));
    if (LABELS.every((label) => counts[label] === EXAMPLES[label].length)) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.deepEqual(counts, Object.fromEntries(LABELS.map((label) => [label, EXAMPLES[label].length])));

  // On the wire: gzip, text/plain UTF-8, the phone's sha256 of the trimmed text.
  const sent = await Promise.all(uploads);
  assert.equal(sent.length, saved);
  const sha256s = sent.map(({ encoding, checksum, type, label, body }) => {
    assert.equal(encoding, 'gzip');
    assert.equal(type, 'text/plain; charset=utf-8');
    assert.ok(body);
    const bytes = gunzipSync(body);
    assert.ok(EXAMPLES[label].includes(bytes.toString('utf8')), `"${bytes.toString('utf8')}" is one of the ${label} examples, trimmed`);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    assert.equal(checksum, sha256);
    return sha256;
  });
  const { samples } = await apiFromPage<{ samples: { sha256: string; mediaType: string; meta: { characters?: number } }[] }>(page, server.adminKey, `/projects/${projectId}/samples?limit=1000`);
  assert.deepEqual(samples.map((s) => s.sha256).sort(), [...sha256s].sort(), 'the server stored the exact texts');
  assert.ok(samples.every((s) => /^text\/plain/.test(s.mediaType)));
  assert.ok(samples.some((s) => s.meta.characters === [...'Crème brûlée délicieuse 🍮, amazing'].length), 'characters counted as code points');

  // Before any model: the Predict tab's text box waits for one.
  await byId('tab-predict').click();
  await textOf(byId('text-predict-status'), /^Load a model to classify text\.$/);
  assert.equal(await byId('text-predict-input').isDisabled(), true);
  assert.deepEqual(phone.consoleErrors, [], 'no errors in the page console');
});

test('text: train on the server → prediction updates as the user types', { timeout: 150_000 }, async () => {
  assert.ok(projectId, 'the capture test ran first');
  const byId = (id: string) => page.getByTestId(id);
  assert.match(await trainOnServer(page), /Model v1 · val accuracy \d+(\.\d+)?%/);

  await loadModelForPrediction(page);

  // Typed with key presses, so the debounced prediction runs on real input events.
  const input = byId('text-predict-input');
  await input.pressSequentially('friendly staff and delicious pasta', { delay: 10 });
  await textOf(byId('predict-label'), /^praise$/, 5_000);
  await textOf(byId('text-known-words'), /^5 of 5 words known to the model\.$/);
  await screenshot(page, 'text-2-predict');
  await input.fill('');
  await input.pressSequentially('rude waiter, cold soup and a dirty table', { delay: 10 });
  await textOf(byId('predict-label'), /^complaint$/, 5_000);
  await textOf(byId('text-known-words'), /^\d of 8 words known/);
  await textOf(byId('predict-latency'), /ms$/);
  // Unknown words are the model's <UNKNOWN>: the note says so.
  await input.fill('zxqv blorp');
  await textOf(byId('text-known-words'), /^0 of 2 words known/);
  assert.deepEqual(phone.consoleErrors, [], 'no errors in the page console');
});
