import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type TestServer } from '@offgrid/server/testing';
import { type Phone } from './browser.ts';
import { apiFromPage, attributeOf, createImageProject, pair, screenshot, startServerAndPhone, textOf } from './helpers.ts';

let server: TestServer;
let phone: Phone;
before(async () => { ({ server, phone } = await startServerAndPhone()); });
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
