// After one visit the app opens and predicts with the server gone (service worker + IndexedDB), and captures
// made while it is gone wait in the outbox and upload exactly once when it is back.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '@offgrid/server/testing';
import { type Phone } from './browser.ts';
import { writeFakeVideo } from './fake-video.ts';
import { apiFromPage, attributeOf, createImageProject, pair, screenshot, startServerAndPhone, textOf, unexpectedErrors } from './helpers.ts';

const LABELS = ['left', 'right'];
const SHOTS_PER_LABEL = 3;

let server: TestServer;
let phone: Phone;
before(async () => {
  ({ server, phone } = await startServerAndPhone({ fakeVideoFile: writeFakeVideo() }));
});
after(async () => {
  await phone?.close();
  await server?.stop();
});

test('offline: the app reloads and predicts without the server; offline captures upload once it is back', { timeout: 150_000 }, async () => {
  const { dataDir, adminKey } = server;
  const port = server.server.port;
  const page = await phone.context.newPage();
  const byId = (id: string) => page.getByTestId(id);

  await pair(page, server);
  await attributeOf(byId('offline-status'), 'data-state', /^ready$/, 30_000);
  await textOf(byId('reachability'), /Server online/);
  const cached = await page.evaluate(async () => {
    const names = await caches.keys();
    const urls = [];
    for (const name of names) for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
    return urls;
  });
  const litert = cached.filter((url) => url.startsWith('/litert/'));
  assert.equal(litert.length, 2, `one LiteRT.js build (js + wasm) is cached, not all four: ${litert}`);
  assert.ok(cached.includes('/index.html'));

  await createImageProject(page, 'Offline', LABELS, SHOTS_PER_LABEL);
  await byId('tab-train').click();
  await byId('train-button').click();
  await textOf(byId('train-result'), /Model v1/, 120_000);
  await byId('tab-predict').click();
  await byId('model-load-button').click();
  await textOf(byId('model-status'), /Model v1 ready/, 30_000);
  await textOf(byId('model-source'), /v1 is the version the server has active/);

  // The server goes away; the phone reloads the app.
  await server.stop({ keepData: true });
  await page.reload();
  assert.equal(await page.evaluate(() => navigator.serviceWorker.controller !== null), true, 'the service worker serves the reloaded page');
  assert.equal(await page.evaluate(() => self.crossOriginIsolated), true, 'cached responses keep COOP/COEP');
  await textOf(byId('reachability'), /Server offline/);
  await textOf(byId('project-name'), /Offline/);
  await textOf(byId('model-status'), /Model v1 ready/, 30_000);
  await attributeOf(byId('model-source'), 'data-source', /^phone$/);
  // Offline, "Load the server's model" falls back to the phone's own choice, and says so.
  await byId('model-load-button').click();
  await textOf(byId('model-source'), /Server offline: using v1, the version chosen on this phone/, 30_000);
  await byId('predict-button').click();
  await textOf(byId('predict-label'), new RegExp(`^(${LABELS.join('|')})$`));
  await screenshot(page, '6-offline');

  // Captures while the server is down wait on the phone, across a reload.
  await byId('tab-capture').click();
  await textOf(byId('camera-status'), /^$/);
  // The fake feed restarts with every camera start: capture later in it than the online shots were taken,
  // or the server would rightly recognise identical frames as duplicates.
  await page.waitForFunction(() => document.querySelector('video')!.currentTime > 3);
  const offlineShots = { left: 2, right: 1 };
  for (const [label, count] of Object.entries(offlineShots)) {
    for (let shot = 1; shot <= count; shot++) {
      await byId(`capture-button-${label}`).click();
      await textOf(byId(`capture-pending-${label}`), new RegExp(`\\+${shot} queued`));
    }
  }
  await textOf(byId('outbox-pending'), /^3$/);
  await textOf(byId('header-outbox'), /3 to upload/);
  await page.reload();
  await textOf(byId('outbox-pending'), /^3$/);
  assert.equal(await byId('capture-count-left').textContent(), String(SHOTS_PER_LABEL), 'nothing uploaded yet');

  // Back on the same data directory and port: the queue drains by itself, each sample once.
  server = await startTestServer({ insecureHttp: false, dataDir, port });
  await textOf(byId('reachability'), /Server online/, 20_000);
  await textOf(byId('outbox-pending'), /^0$/, 20_000);
  assert.equal(await byId('outbox-failed').textContent(), '0');
  const { projects } = await apiFromPage<{ projects: { sampleCounts: Record<string, number> }[] }>(page, adminKey, '/projects');
  assert.deepEqual(projects[0].sampleCounts, { left: SHOTS_PER_LABEL + offlineShots.left, right: SHOTS_PER_LABEL + offlineShots.right }, 'every offline capture reached the server exactly once');
  await textOf(byId('capture-count-left'), new RegExp(`^${SHOTS_PER_LABEL + offlineShots.left}$`));
  assert.deepEqual(unexpectedErrors(phone.consoleErrors), [], 'no errors in the page console besides the refused connections');
});
