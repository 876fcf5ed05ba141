import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { motionBytes, motionRecording, startTestServer, wavTone, type TestServer } from '@offgrid/server/testing';
import { type Phone } from './browser.ts';
import { apiFromPage, attributeOf, createImageProject, pair, screenshot, startServerAndPhone, textOf, unexpectedErrors } from './helpers.ts';

let server: TestServer;
let phone: Phone;
/** Kept: a server restarted on the same data directory does not show its admin key again. */
let adminKey: string;
before(async () => {
  ({ server, phone } = await startServerAndPhone());
  adminKey = server.adminKey;
});
after(async () => {
  await phone?.close();
  await server?.stop();
});

test('data: review a label\'s photos, delete with undo, move, erase everywhere, change labels, delete the project', { timeout: 180_000 }, async () => {
  const page = await phone.context.newPage();
  const byId = (id: string) => page.getByTestId(id);
  const chip = (label: string) => page.locator(`[data-testid="data-label"][data-label="${label}"]`);
  const countOf = async (label: string) => Number(await chip(label).getByTestId('data-label-count').textContent());
  const cells = page.getByTestId('data-cell');
  await pair(page, server);
  await createImageProject(page, 'Shelf', ['cup', 'box'], 4);

  await byId('tab-data').click();
  await attributeOf(byId('data-grid'), 'data-count', /^4$/);
  // Thumbnails are real 96×96 JPEGs made on the server, fetched with the phone's key.
  await page.waitForFunction(() => Array.from(document.querySelectorAll('[data-testid="data-thumbnail"]')).filter((img) => (img as HTMLImageElement).naturalWidth === 96).length === 4);
  assert.deepEqual([await countOf('cup'), await countOf('box')], [4, 4]);

  // Delete two, then undo.
  await cells.nth(0).click();
  await cells.nth(1).click();
  await textOf(byId('data-selection'), /^2 selected$/);
  await screenshot(page, 'data-1-selected');
  await byId('data-delete-button').click();
  await textOf(byId('data-undo'), /Deleted 2 samples/);
  await attributeOf(byId('data-grid'), 'data-count', /^2$/);
  assert.equal(await countOf('cup'), 2);
  await screenshot(page, 'data-2-undo');
  await byId('data-undo-button').click();
  await attributeOf(byId('data-grid'), 'data-count', /^4$/);
  assert.equal(await countOf('cup'), 4);

  // Move one photo to "box"; the counts survive a reload (they are the server's).
  await cells.nth(0).click();
  await byId('data-move-select').selectOption('box');
  await byId('data-move-button').click();
  await textOf(byId('data-status'), /Moved 1 to “box”/);
  await page.reload();
  await attributeOf(byId('data-grid'), 'data-count', /^3$/);
  assert.deepEqual([await countOf('cup'), await countOf('box')], [3, 5]);
  const project = (await apiFromPage<{ projects: { id: string; sampleCounts: Record<string, number> }[] }>(page, server.adminKey, '/projects')).projects[0];
  assert.deepEqual(project.sampleCounts, { cup: 3, box: 5 });

  // Erase one "box" photo everywhere: confirmed first, then gone from the server too.
  await chip('box').click();
  await attributeOf(byId('data-grid'), 'data-count', /^5$/);
  const erased = await cells.nth(0).getAttribute('data-sample-id');
  await cells.nth(0).click();
  await byId('data-purge-button').click();
  await textOf(byId('data-confirm-text'), /cannot be undone/);
  await screenshot(page, 'data-3-erase');
  await byId('data-confirm-button').click();
  await textOf(byId('data-status'), /Erased 1 everywhere/);
  assert.equal(await countOf('box'), 4);
  // Asked outside the page (a 404 in the page would be a console error): the server no longer has it.
  const content = await page.request.get(`${new URL(page.url()).origin}/api/v1/projects/${project.id}/samples/${erased}/content`, { headers: { authorization: `Bearer ${server.adminKey}` }, ignoreHTTPSErrors: true });
  assert.equal(content.status(), 404);

  // Labels: add one (the capture tab gets its button), rename it, remove it moving nothing lost.
  await byId('data-label-name').fill('bowl');
  await byId('data-label-add').click();
  await textOf(chip('bowl'), /bowl/);
  await byId('tab-capture').click();
  await textOf(byId('capture-button-bowl'), /bowl/);
  await byId('tab-data').click();
  await chip('cup').click();
  await byId('data-label-name').fill('mug');
  await byId('data-label-rename').click();
  await textOf(chip('mug'), /mug/);
  assert.equal(await countOf('mug'), 3, 'the samples follow the renamed label');
  await byId('data-label-remove').click();
  await textOf(byId('data-confirm-text'), /Its 3 samples must go somewhere/);
  await screenshot(page, 'data-4-remove-label');
  await byId('data-remove-target').selectOption('bowl');
  await byId('data-remove-move').click();
  await page.waitForFunction(() => !document.querySelector('[data-testid="data-label"][data-label="mug"]'));
  assert.deepEqual((await apiFromPage<{ labels: string[]; sampleCounts: Record<string, number> }>(page, server.adminKey, `/projects/${project.id}`)).sampleCounts, { box: 4, bowl: 3 });

  // Delete the project with its data.
  await byId('data-project-delete').click();
  await textOf(byId('data-confirm-text'), /Delete “Shelf” with its 7 samples/);
  await byId('data-confirm-button').click();
  await page.waitForURL(/#\/$/);
  assert.deepEqual((await apiFromPage<{ projects: unknown[] }>(page, server.adminKey, '/projects')).projects, []);
  assert.deepEqual(phone.consoleErrors, [], 'no errors in the page console');
});

test('data: deletes, an undo and a move made offline wait in the outbox across a reload, then reach the server in order', { timeout: 180_000 }, async () => {
  const page = await phone.context.newPage();
  const byId = (id: string) => page.getByTestId(id);
  const chip = (label: string) => page.locator(`[data-testid="data-label"][data-label="${label}"]`);
  const countOf = async (label: string) => Number(await chip(label).getByTestId('data-label-count').textContent());
  const cells = page.getByTestId('data-cell');
  await page.goto(`${new URL(server.server.pairingUrl).origin}/#/`); // paired in the first test (same browser profile)
  await attributeOf(byId('offline-status'), 'data-state', /^ready$/, 30_000);
  await createImageProject(page, 'Field', ['ok', 'bad'], 3);
  await byId('tab-data').click();
  await page.waitForFunction(() => Array.from(document.querySelectorAll('[data-testid="data-thumbnail"]')).filter((img) => (img as HTMLImageElement).naturalWidth === 96).length === 3);
  const ids = await cells.evaluateAll((items) => items.map((item) => item.getAttribute('data-sample-id')!));

  const { dataDir } = server;
  const port = server.server.port;
  await server.stop({ keepData: true });
  await cells.nth(0).click(); // ids[0]: deleted
  await byId('data-delete-button').click();
  await attributeOf(byId('data-grid'), 'data-count', /^2$/);
  await cells.nth(0).click(); // ids[1]: deleted, then undone
  await byId('data-delete-button').click();
  await attributeOf(byId('data-grid'), 'data-count', /^1$/);
  await byId('data-undo-button').click();
  await attributeOf(byId('data-grid'), 'data-count', /^2$/);
  await cells.nth(1).click(); // ids[2]: moved to "bad"
  await byId('data-move-select').selectOption('bad');
  await byId('data-move-button').click();
  await attributeOf(byId('data-grid'), 'data-count', /^1$/);
  await textOf(byId('data-queue'), /^4 changes waiting for the workstation/);
  assert.deepEqual([await countOf('ok'), await countOf('bad')], [1, 4], 'the counts follow at once');
  await textOf(byId('reachability'), /Server offline/, 20_000);
  await screenshot(page, 'data-5-offline-queue');

  await page.reload();
  await textOf(byId('reachability'), /Server offline/);
  await textOf(byId('data-queue'), /^4 changes waiting for the workstation/);
  await textOf(byId('data-list-status'), /Could not list the samples/);

  server = await startTestServer({ insecureHttp: false, dataDir, port });
  await textOf(byId('reachability'), /Server online/, 20_000);
  await attributeOf(byId('data-queue'), 'data-waiting', /^0$/, 20_000);
  await attributeOf(byId('data-grid'), 'data-count', /^1$/);
  assert.equal(await cells.nth(0).getAttribute('data-sample-id'), ids[1], 'the undone delete came after the delete');
  const projectId = page.url().split('/').at(-2)!;
  const listed = async (label: string) => (await apiFromPage<{ samples: { id: string }[] }>(page, adminKey, `/projects/${projectId}/samples?label=${label}`)).samples.map((sample) => sample.id);
  assert.deepEqual(await listed('ok'), [ids[1]]);
  assert.ok((await listed('bad')).includes(ids[2]));
  assert.deepEqual((await apiFromPage<{ sampleCounts: Record<string, number> }>(page, adminKey, `/projects/${projectId}`)).sampleCounts, { ok: 1, bad: 4 });
  assert.deepEqual([await countOf('ok'), await countOf('bad')], [1, 4]);
  assert.deepEqual(unexpectedErrors(phone.consoleErrors), [], 'no errors in the page console besides the refused connections');
});

test('data: the grid shows texts as lines, rows as values, recordings as plots and clips with a play button', { timeout: 120_000 }, async () => {
  const page = await phone.context.newPage();
  const byId = (id: string) => page.getByTestId(id);
  const origin = new URL(server.server.pairingUrl).origin;
  await page.goto(`${origin}/#/`);
  const project = async (fields: object, samples: { label: string; type: string; body: Uint8Array | string }[]) => {
    const { id } = await apiFromPage<{ id: string }>(page, adminKey, '/projects', { method: 'POST', body: fields });
    // Made with the admin key, so shared with the phone's device key (keys reach only their projects).
    const { keys } = await apiFromPage<{ keys: { id: string; scope: string; revokedAt?: string; projectIds?: string[] }[] }>(page, adminKey, '/keys');
    const device = keys.find((key) => key.scope === 'device' && !key.revokedAt)!;
    await apiFromPage(page, adminKey, `/keys/${device.id}/projects`, { method: 'PUT', body: { projectIds: [...device.projectIds!, id] } });
    for (const sample of samples) {
      const response = await page.request.post(`${origin}/api/v1/projects/${id}/samples?label=${sample.label}`, {
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': sample.type }, data: Buffer.from(sample.body), ignoreHTTPSErrors: true,
      });
      assert.equal(response.status(), 201, await response.text());
    }
    return id;
  };
  const openData = async (id: string) => {
    await page.goto(`${origin}/#/projects/${id}/data`);
    await attributeOf(byId('data-grid'), 'data-count', /^[1-9]/);
  };

  await openData(await project({ name: 'Notes', labels: ['todo', 'done'], modality: 'text' }, [
    { label: 'todo', type: 'text/plain; charset=utf-8', body: 'buy seeds before Friday' },
    { label: 'todo', type: 'text/plain; charset=utf-8', body: 'x'.repeat(120) },
  ]));
  await textOf(byId('data-text').first(), /^buy seeds before Friday$/);
  await textOf(byId('data-text').nth(1), /^x{79}…$/);

  await openData(await project({ name: 'Pump', labels: ['ok', 'worn'], modality: 'tabular', featureNames: ['temp', 'rpm'] }, [
    { label: 'ok', type: 'application/json', body: '{"features":[21.5,1200]}' },
  ]));
  await textOf(byId('data-text'), /^21\.5, 1200$/);

  await openData(await project({ name: 'Gestures', labels: ['wave', 'still'], modality: 'motion' }, [
    { label: 'wave', type: 'application/json', body: motionBytes(motionRecording(2, 3, { rateHz: 50 })) },
  ]));
  const plot = byId('data-motion-plot');
  await attributeOf(plot, 'data-steps', /^150$/);
  assert.equal(await plot.locator('polyline').count(), 6, 'one line per channel');
  await textOf(plot.locator('figcaption'), /^3\.0 s · 50 Hz$/);
  await screenshot(page, 'data-6-motion');

  await openData(await project({ name: 'Words', labels: ['yes', 'no'], modality: 'audio' }, [
    { label: 'yes', type: 'audio/wav', body: wavTone(440, 1, 16000) },
  ]));
  await byId('data-play').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="data-cell"]')?.getAttribute('aria-checked') === 'false', undefined, { timeout: 5000 });
  assert.deepEqual(unexpectedErrors(phone.consoleErrors), []);
});
