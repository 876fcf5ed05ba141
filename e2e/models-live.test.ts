// Models screen (versions, sha256-verified and encrypted downloads, activate, delete, storage), live
// prediction with FPS and top-3, the drift banner saving a frame to the outbox, and the battery policy.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { get } from 'node:https';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { type TestServer } from '@offgrid/server/testing';
import { type Phone } from './browser.ts';
import { writeFakeVideo } from './fake-video.ts';
import { apiFromPage, attributeOf, createImageProject, pair, screenshot, startServerAndPhone, textOf } from './helpers.ts';

const LABELS = ['cat', 'dog'];

let server: TestServer;
let phone: Phone;
before(async () => {
  // WebNN switched on: Chromium then exposes `navigator.ml`, but on Linux without a WebNN backend creating a
  // context fails, so the app must fall back (and say why).
  ({ server, phone } = await startServerAndPhone({ fakeVideoFile: writeFakeVideo(), extraArgs: ['--enable-features=WebMachineLearningNeuralNetwork'] }));
  // The Battery Status API is a boundary we do not own: a controllable stand-in (starts full and charging).
  // (A string: tsx would wrap functions in a `__name` helper the page lacks.)
  await phone.context.addInitScript(`
    const battery = Object.assign(new EventTarget(), { level: 1, charging: true });
    Object.defineProperty(navigator, 'getBattery', { value: () => Promise.resolve(battery) });
    window.setFakeBattery = (level, charging) => {
      Object.assign(battery, { level, charging });
      battery.dispatchEvent(new Event('levelchange'));
      battery.dispatchEvent(new Event('chargingchange'));
    };
  `);
});
after(async () => {
  await phone?.close();
  await server?.stop();
});

/** The real response, fetched from Node with the server's own CA (Playwright's route.fetch would not trust it). */
function fetchTrusted(url: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  const ca = readFileSync(join(server.dataDir, 'tls', 'ca.crt'));
  return new Promise((resolve, reject) => {
    const wanted = Object.fromEntries(Object.entries(headers).filter(([name]) => !name.startsWith(':') && name !== 'accept-encoding'));
    get(url, { ca, headers: wanted }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const flat = Object.fromEntries(Object.entries(response.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : String(value)]));
        resolve({ status: response.statusCode ?? 0, headers: flat, body: Buffer.concat(chunks) });
      });
    }).on('error', reject);
  });
}

function rowOf(page: Page, version: number) {
  return page.locator(`[data-testid="model-row"][data-version="${version}"]`);
}

test('models: versions with metrics; corrupt download refused; encrypted at rest; activate, delete, storage', { timeout: 150_000 }, async () => {
  const page = await phone.context.newPage();
  const byId = (id: string) => page.getByTestId(id);
  await pair(page, server);
  await createImageProject(page, 'Pets', LABELS, 3);
  await byId('tab-train').click();
  for (const version of [1, 2]) {
    await byId('train-button').click();
    await textOf(byId('train-result'), new RegExp(`Model v${version} `), 120_000);
    // No notification permission in this browser: the "done" message is an in-app toast.
    await textOf(byId('toast'), new RegExp(`Pets: model v${version} is ready`));
  }

  await byId('tab-models').click();
  // Accuracies come with their sample counts, and a project this small gets a plain warning.
  await textOf(rowOf(page, 2).getByTestId('model-val-accuracy'), /^\d+(\.\d)?% of \d+$/);
  await textOf(rowOf(page, 2).getByTestId('model-rough'), /^Accuracy is a rough figure: it was measured on only \d+ samples?/);
  await textOf(rowOf(page, 1).getByTestId('model-size'), /KB|MB/);
  assert.match((await rowOf(page, 2).getByTestId('model-date').textContent()) ?? '', /\d/);
  assert.deepEqual(await page.getByTestId('model-row').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.version)), ['2', '1'], 'newest first');

  // A download corrupted in transit is refused by the sha256 check and nothing is saved.
  await page.route('**/api/v1/models/*/download*', async (route) => {
    const request = route.request();
    const { status, headers, body } = await fetchTrusted(request.url(), await request.allHeaders());
    body[body.length >> 1] ^= 0xff;
    await route.fulfill({ status, headers, body });
  });
  await rowOf(page, 2).getByTestId('model-download-button').click();
  await textOf(rowOf(page, 2).getByTestId('model-row-status'), /corrupt \(SHA-256 mismatch\)/);
  assert.equal(await rowOf(page, 2).getAttribute('data-saved'), 'false');
  await page.unroute('**/api/v1/models/*/download*');

  await rowOf(page, 2).getByTestId('model-download-button').click();
  await textOf(rowOf(page, 2).getByTestId('model-row-status'), /Downloaded and verified/);
  await attributeOf(rowOf(page, 2), 'data-saved', /^true$/);
  // Read straight from IndexedDB (no named helpers inside: tsx would wrap them in a `__name` the page lacks).
  const atRest = await page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('offgrid');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const all: Record<string, unknown[]> = {};
    for (const store of ['models', 'settings']) {
      all[store] = await new Promise<unknown[]>((resolve) => {
        const request = db.transaction(store).objectStore(store).getAll();
        request.onsuccess = () => resolve(request.result);
      });
    }
    const [record] = all.models as { sealed: { ciphertext: ArrayBuffer }; sizeBytes: number }[];
    const key = all.settings.find((value) => value instanceof CryptoKey) as CryptoKey;
    const head = new TextDecoder().decode(new Uint8Array(record.sealed.ciphertext).slice(4, 8));
    db.close();
    return { head, extractable: key.extractable, algorithm: key.algorithm.name, cipherBytes: record.sealed.ciphertext.byteLength, sizeBytes: record.sizeBytes };
  });
  assert.notEqual(atRest.head, 'TFL3', 'no TFLite identifier in the stored bytes');
  assert.equal(atRest.cipherBytes, atRest.sizeBytes + 16, 'AES-GCM ciphertext = plaintext + 16-byte tag');
  assert.deepEqual([atRest.algorithm, atRest.extractable], ['AES-GCM', false], 'non-extractable AES-GCM key');

  await rowOf(page, 2).getByTestId('model-activate-button').click();
  await attributeOf(rowOf(page, 2), 'data-active', /^true$/);
  await textOf(byId('models-storage'), /Storage used by Offgrid/);
  // Roll back to v1 on the phone, then drop v2 from it.
  await rowOf(page, 1).getByTestId('model-download-button').click();
  await attributeOf(rowOf(page, 1), 'data-saved', /^true$/);
  await rowOf(page, 1).getByTestId('model-activate-button').click();
  await attributeOf(rowOf(page, 1), 'data-active', /^true$/);
  await screenshot(page, '5-models');
  await rowOf(page, 2).getByTestId('model-delete-button').click();
  await attributeOf(rowOf(page, 2), 'data-saved', /^false$/);
  assert.equal(await rowOf(page, 1).getAttribute('data-active'), 'true');

  // On the server: v2 (the newest result) is active; roll back to v1 (pinned), then delete v2 after confirming.
  const projectId = (await apiFromPage<{ projects: { id: string }[] }>(page, server.adminKey, '/projects')).projects[0].id;
  type ProjectState = { activeModelId?: string; modelPinned: boolean };
  const projectState = () => apiFromPage<ProjectState>(page, server.adminKey, `/projects/${projectId}`);
  const serverModels = async () =>
    (await apiFromPage<{ models: { id: string; version: number; active: boolean }[] }>(page, server.adminKey, `/projects/${projectId}/models`)).models;
  const [v2, v1] = await serverModels();
  assert.deepEqual([v2.version, v2.active, v1.active], [2, true, false]);
  assert.equal(await rowOf(page, 2).getAttribute('data-server-active'), 'true');
  await textOf(byId('models-server-active'), /server uses v2; the next training result takes over/);
  assert.equal(await rowOf(page, 2).getByTestId('model-server-delete-button').count(), 0, 'the active version cannot be deleted');

  // Predict follows the server: first the phone's own choice (v1), then "Load the server's model" gets v2, the
  // server's active version (its newest result).
  await byId('tab-predict').click();
  await textOf(byId('model-status'), /Model v1 ready/, 30_000);
  await attributeOf(byId('model-source'), 'data-source', /^phone$/);
  await textOf(byId('model-source'), /chosen on this phone/);
  await byId('model-load-button').click();
  await textOf(byId('model-status'), /Model v2 ready/, 30_000);
  await attributeOf(byId('model-source'), 'data-source', /^server$/);
  await textOf(byId('model-source'), /v2 is the version the server has active \(its newest result\)/);
  await byId('tab-models').click();
  await attributeOf(rowOf(page, 2), 'data-active', /^true$/);
  await rowOf(page, 1).getByTestId('model-server-activate-button').click();
  await attributeOf(rowOf(page, 1), 'data-server-active', /^true$/);
  assert.equal(await rowOf(page, 2).getAttribute('data-server-active'), 'false');
  await textOf(rowOf(page, 1).getByTestId('model-badge-server-active'), /pinned/);
  await textOf(byId('models-server-active'), /server uses v1, pinned/);
  const rolledBack = await projectState();
  assert.deepEqual([rolledBack.activeModelId, rolledBack.modelPinned], [v1.id, true], 'the server’s project says v1, pinned');
  assert.equal(await rowOf(page, 2).getAttribute('data-active'), 'true', 'the phone’s own choice is untouched');

  // Pinned and older than the newest: Predict now loads v1, not the newest v2, and says it is pinned.
  await byId('tab-predict').click();
  await byId('model-load-button').click();
  await textOf(byId('model-source'), /v1 is the version the server has active \(pinned\)/, 30_000);
  await textOf(byId('model-status'), /Model v1 ready/);
  await byId('tab-models').click();
  await attributeOf(rowOf(page, 1), 'data-active', /^true$/);
  await rowOf(page, 2).getByTestId('model-delete-button').click();
  await attributeOf(rowOf(page, 2), 'data-saved', /^false$/);

  await rowOf(page, 2).getByTestId('model-server-delete-button').click();
  await byId('model-server-delete-confirmation').waitFor({ state: 'visible' });
  await byId('model-server-delete-cancel').click();
  await byId('model-server-delete-confirmation').waitFor({ state: 'detached' });
  assert.equal((await serverModels()).length, 2, 'cancelling deletes nothing');
  await rowOf(page, 2).getByTestId('model-server-delete-button').click();
  await byId('model-server-delete-confirm').click();
  await rowOf(page, 2).waitFor({ state: 'detached' });
  await textOf(byId('models-status'), /v2 was deleted from the server/);
  assert.deepEqual((await serverModels()).map((m) => [m.version, m.active]), [[1, true]]);
  await screenshot(page, '5b-models-server');

  await byId('models-unpin-button').click();
  await textOf(byId('models-server-active'), /server uses v1; the next training result takes over/);
  assert.equal((await projectState()).modelPinned, false);

  // Live prediction on the active model (v1): FPS, latency, top-3.
  await byId('tab-predict').click();
  await textOf(byId('model-status'), /Model v1 ready/, 30_000);
  assert.match((await byId('model-accelerator').textContent()) ?? '', /^(wasm|webgpu)$/);
  assert.equal(await page.evaluate(() => 'ml' in navigator), true, 'WebNN is exposed in this browser');
  await textOf(byId('model-accelerator-note'), /webnn: .*not supported/i);
  await byId('live-button').click();
  await textOf(byId('predict-fps'), /^\d+(\.\d)?$/);
  await textOf(byId('predict-latency'), /ms$/);
  assert.equal(await byId('predict-scores').locator('li:not([hidden])').count(), LABELS.length, 'top-3 shows every label of a 2-label model');

  // Drift: with the alert threshold at 95%, the rolling window soon falls under it; save the frame as "dog".
  await byId('drift-threshold').fill('0.95');
  await byId('drift-banner').waitFor({ state: 'visible', timeout: 20_000 });
  await screenshot(page, '7-drift');
  await byId('drift-label-select').selectOption('dog');
  await byId('drift-save-button').click();
  await textOf(byId('drift-status'), /Saved as “dog”/);
  await textOf(byId('header-outbox'), /^$|to upload/);
  // 45 s: in one full-suite run the frame had not arrived after 15 s (alone the test passes); the cause is not known yet.
  const deadline = Date.now() + 45_000;
  let counts: Record<string, number>;
  while ((counts = (await apiFromPage<{ sampleCounts: Record<string, number> }>(page, server.adminKey, `/projects/${projectId}`)).sampleCounts).dog !== 4) {
    // If it misses again, say what the phone's outbox was doing (backoff after a failed upload, paused, or still queued).
    if (Date.now() >= deadline) assert.fail(`the drift frame did not reach the server in 45 s: counts ${JSON.stringify(counts)}, outbox "${await byId('header-outbox').textContent()}", status "${await byId('drift-status').textContent()}"`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  // Battery low and not charging: uploads pause, live prediction slows to 2 fps; the user is told.
  await page.evaluate(() => (window as unknown as { setFakeBattery(l: number, c: boolean): void }).setFakeBattery(0.1, false));
  await textOf(byId('battery-status'), /Battery 10%: uploads paused/);
  await byId('predict-throttle').waitFor({ state: 'visible' });
  await new Promise((resolve) => setTimeout(resolve, 2500));
  const throttledFps = Number(await byId('predict-fps').textContent());
  assert.ok(throttledFps <= 2.6, `throttled to ~2 fps, got ${throttledFps}`);
  await screenshot(page, '8-battery');
  await byId('tab-capture').click();
  await byId('capture-button-cat').click();
  await textOf(byId('header-outbox'), /1 to upload · paused/);
  await textOf(byId('outbox-note'), /Paused: battery low/);
  await page.evaluate(() => (window as unknown as { setFakeBattery(l: number, c: boolean): void }).setFakeBattery(0.1, true));
  await byId('battery-status').waitFor({ state: 'hidden' });
  await textOf(byId('outbox-pending'), /^0$/);
  await textOf(byId('capture-count-cat'), /^4$/);
  assert.deepEqual(phone.consoleErrors, [], 'no errors in the page console');
});
