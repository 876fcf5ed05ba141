// Tabular end to end in Chromium: a tabular project with named feature columns → CSV import (the server answers
// per row: stored, duplicate, rejected with its line) → one row typed in and sent through the outbox →
// training on the server → prediction on the phone with LiteRT.js from a typed row.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { type TestServer } from '@offgrid/server/testing';
import { type Phone } from './browser.ts';
import { apiFromPage, attributeOf, loadModelForPrediction, pair, screenshot, startServerAndPhone, textOf, trainOnServer } from './helpers.ts';

const ROWS_PER_LABEL = 30;
const BAD_LINE = 12;

/** Generated readings: "ok" machines run at 40-55 °C with little vibration, "overheat" at 80-95 °C shaking more. */
function machineCsv(): string {
  const lines = ['label,temperature,vibration'];
  for (let i = 0; i < ROWS_PER_LABEL; i++) {
    lines.push(`ok,${(40 + (i * 7) % 15 + i / 100).toFixed(2)},${(0.1 + (i % 5) * 0.02).toFixed(3)}`);
    lines.push(`overheat,${(80 + (i * 11) % 15 + i / 100).toFixed(2)},${(0.5 + (i % 7) * 0.05).toFixed(3)}`);
  }
  lines.splice(BAD_LINE - 1, 0, 'ok,hot,0.2');
  return `${lines.join('\n')}\n`;
}

let server: TestServer;
let phone: Phone;
before(async () => {
  ({ server, phone } = await startServerAndPhone());
});
after(async () => {
  await phone?.close();
  await server?.stop();
});

test('tabular: CSV import with per-row results → a typed row through the outbox → train → predict a typed row', { timeout: 150_000 }, async () => {
  const page = await phone.context.newPage();
  const byId = (id: string) => page.getByTestId(id);
  const uploads: Promise<{ type?: string; encoding?: string; body: Buffer | null }>[] = [];
  page.on('request', (request) => {
    if (request.method() !== 'POST' || !/\/api\/v1\/projects\/[^/]+\/samples\?label=/.test(request.url())) return;
    uploads.push(request.allHeaders().then((headers) => ({ type: headers['content-type'], encoding: headers['content-encoding'], body: request.postDataBuffer() })));
  });
  await pair(page, server);

  await byId('project-name-input').fill('Machine');
  await byId('project-modality-select').selectOption('tabular');
  await byId('project-labels-input').fill('ok, overheat');
  await byId('project-features-input').fill('temperature, vibration');
  await byId('project-form').scrollIntoViewIfNeeded();
  await screenshot(page, 'tabular-1-new-project');
  await byId('project-create-button').click();
  await textOf(byId('project-name'), /Machine/);
  const projectId = /#\/projects\/([^/]+)\//.exec(page.url())![1];
  assert.equal(await byId('camera').count(), 0, 'no camera for a tabular project');
  await textOf(byId('csv-header'), /^label,temperature,vibration$/);

  const csv = machineCsv();
  await byId('csv-input').setInputFiles({ name: 'machines.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await attributeOf(byId('csv-status'), 'data-stored', new RegExp(`^${2 * ROWS_PER_LABEL}$`));
  assert.equal(await byId('csv-status').getAttribute('data-rejected'), '1');
  const rejected = byId('csv-rejected').locator('li');
  assert.equal(await rejected.count(), 1);
  assert.equal(await rejected.getAttribute('data-line'), String(BAD_LINE), 'the bad row is named by its line');
  assert.match((await rejected.textContent()) ?? '', /temperature|hot|number/i);
  await textOf(byId('capture-count-ok'), new RegExp(`^${ROWS_PER_LABEL}$`));
  await textOf(byId('capture-count-overheat'), new RegExp(`^${ROWS_PER_LABEL}$`));
  await byId('csv-import').scrollIntoViewIfNeeded();
  await screenshot(page, 'tabular-2-csv-import');

  // The same file again: every good row is already there.
  await byId('csv-input').setInputFiles({ name: 'machines.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await attributeOf(byId('csv-status'), 'data-duplicates', new RegExp(`^${2 * ROWS_PER_LABEL}$`));
  assert.equal(await byId('csv-status').getAttribute('data-stored'), '0');

  // One row typed in: a bad number is named, a good row goes through the outbox as {"features": [...]}.
  await byId('row-input-0').fill('warm');
  await byId('row-input-1').fill('0.3');
  await byId('row-add-button').click();
  await textOf(byId('row-status'), /“temperature” needs a number, not “warm”/);
  await byId('row-input-0').fill('88.5');
  await byId('row-label-select').selectOption('overheat');
  await byId('row-add-button').click();
  await textOf(byId('capture-count-overheat'), new RegExp(`^${ROWS_PER_LABEL + 1}$`));
  const sent = await Promise.all(uploads);
  assert.deepEqual(sent.map((u) => u.type), ['text/csv', 'text/csv', 'application/json']);
  assert.equal(sent[2].encoding, 'gzip');
  assert.deepEqual(JSON.parse(gunzipSync(sent[2].body!).toString('utf8')), { features: [88.5, 0.3] });
  const project = await apiFromPage<{ modality: string; featureNames: string[]; sampleCounts: Record<string, number> }>(page, server.adminKey, `/projects/${projectId}`);
  assert.deepEqual([project.modality, project.featureNames], ['tabular', ['temperature', 'vibration']]);
  assert.deepEqual(project.sampleCounts, { ok: ROWS_PER_LABEL, overheat: ROWS_PER_LABEL + 1 });

  await trainOnServer(page, 100_000);
  await loadModelForPrediction(page);
  await byId('predict-input-0').fill('90');
  await byId('predict-input-1').fill('0.7');
  await byId('tabular-predict-button').click();
  await textOf(byId('predict-label'), /^overheat$/);
  await textOf(byId('predict-latency'), /ms$/);
  await screenshot(page, 'tabular-3-predict');
  // Typing updates the prediction.
  await byId('predict-input-0').fill('45');
  await byId('predict-input-1').fill('0.12');
  await textOf(byId('predict-label'), /^ok$/);
  assert.deepEqual(phone.consoleErrors, [], 'no errors in the page console');
});
