import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { type TestServer } from '@offgrid/server/testing';
import { type Phone } from './browser.ts';
import { apiFromPage, pair, screenshot, startServerAndPhone, textOf } from './helpers.ts';

const LABELS = ['apple', 'banana', 'cherry'];
const SHOTS_PER_LABEL = 4;

let server: TestServer;
let phone: Phone;
before(async () => {
  ({ server, phone } = await startServerAndPhone({ permissions: ['notifications'] }));
  // Records the notifications the app shows (through its service worker, as Chrome on Android requires, or the
  // Notification constructor). A string: tsx would wrap functions in a \`__name\` helper the page lacks.
  await phone.context.addInitScript(`
    window.shownNotifications = [];
    if (self.ServiceWorkerRegistration) {
      const show = ServiceWorkerRegistration.prototype.showNotification;
      ServiceWorkerRegistration.prototype.showNotification = function (title, options) {
        window.shownNotifications.push({ via: 'service-worker', title, body: options && options.body });
        return show.call(this, title, options);
      };
    }
    if (self.Notification) {
      const Original = Notification;
      window.Notification = class extends Original {
        constructor(title, options) {
          window.shownNotifications.push({ via: 'constructor', title, body: options && options.body });
          super(title, options);
        }
      };
    }
  `);
});
after(async () => {
  await phone?.close();
  await server?.stop();
});


test('phone: pair → project → capture → upload → train with live progress → download .tflite → predict with LiteRT.js', { timeout: 240_000 }, async () => {
  const page = await phone.context.newPage();
  const byId = (id: string) => page.getByTestId(id);

  await pair(page, server);
  assert.ok(!page.url().includes('pair='), 'the one-time token is removed from the address bar');
  assert.equal(await page.evaluate(() => self.crossOriginIsolated), true, 'COOP/COEP make the page cross-origin isolated');
  await screenshot(page, '1-paired');

  await byId('project-name-input').fill('Fruit');
  await byId('project-labels-input').fill(LABELS.join(', '));
  await byId('project-create-button').click();
  await textOf(byId('project-name'), /Fruit/);

  await byId('tab-capture').click();
  await textOf(byId('camera-status'), /^$/);
  // What goes over the wire: each capture gzipped, with the sha256 the phone took of the image when capturing it.
  const uploads: Promise<{ encoding?: string; checksum?: string; type?: string; body: Buffer | null }>[] = [];
  page.on('request', (request) => {
    if (request.method() !== 'POST' || !/\/api\/v1\/projects\/[^/]+\/samples\?label=/.test(request.url())) return;
    uploads.push(request.allHeaders().then((headers) => ({
      encoding: headers['content-encoding'], checksum: headers['x-checksum-sha256'], type: headers['content-type'], body: request.postDataBuffer(),
    })));
  });
  for (const label of LABELS) {
    for (let shot = 1; shot <= SHOTS_PER_LABEL; shot++) {
      await byId(`capture-button-${label}`).click();
      await textOf(byId(`capture-count-${label}`), new RegExp(`\\b${shot}\\b`));
    }
  }
  await screenshot(page, '2-capture');
  // Asked over the same trusted HTTPS the phone uses (Node's fetch would not trust the local CA).
  const { projects } = await page.evaluate(async (key) => (await fetch('/api/v1/projects', { headers: { authorization: `Bearer ${key}` } })).json(), server.adminKey);
  assert.deepEqual(projects[0].sampleCounts, Object.fromEntries(LABELS.map((label) => [label, SHOTS_PER_LABEL])), 'every capture reached the server');
  // The server stored exactly the bytes the phone captured: gunzip(what was sent) hashes to the phone's capture-time
  // sha256, and the server's sample list reports the same digests.
  const sent = await Promise.all(uploads);
  assert.equal(sent.length, LABELS.length * SHOTS_PER_LABEL);
  const capturedSha256s = sent.map(({ encoding, checksum, type, body }) => {
    assert.equal(encoding, 'gzip', 'uploads are gzipped');
    assert.equal(type, 'image/jpeg');
    assert.ok(body, 'the request body is visible');
    const image = gunzipSync(body);
    assert.deepEqual([...image.subarray(0, 3)], [0xff, 0xd8, 0xff], 'a JPEG inside the gzip');
    const sha256 = createHash('sha256').update(image).digest('hex');
    assert.equal(checksum, sha256, 'X-Checksum-Sha256 is the sha256 of the captured image');
    return sha256;
  });
  const serverSamples = await page.evaluate(
    async ({ key, projectId }) => (await fetch(`/api/v1/projects/${projectId}/samples?limit=1000`, { headers: { authorization: `Bearer ${key}` } })).json(),
    { key: server.adminKey, projectId: projects[0].id as string },
  ) as { samples: { sha256: string }[] };
  assert.deepEqual(serverSamples.samples.map((s) => s.sha256).sort(), [...capturedSha256s].sort(), 'the server stored the exact captured bytes');

  // Gallery import: two large photos for "banana", cropped and downsampled on the phone to 128×128 like captures,
  // and sent through the same outbox.
  const photos = await page.evaluate(async () => {
    const out: string[] = [];
    for (const [width, height, hue] of [[1600, 1200, 40], [900, 1600, 55]]) {
      const canvas = new OffscreenCanvas(width, height);
      const context = canvas.getContext('2d')!;
      context.fillStyle = `hsl(${hue} 90% 55%)`;
      context.fillRect(0, 0, width, height);
      context.fillStyle = '#3f2d00';
      context.fillRect(width / 3, height / 3, width / 3, height / 3);
      const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
      out.push(btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join('')));
    }
    return out;
  });
  await byId('import-label-select').selectOption('banana');
  await byId('import-input').setInputFiles(photos.map((base64, n) => ({ name: `gallery-${n + 1}.png`, mimeType: 'image/png', buffer: Buffer.from(base64, 'base64') })));
  await textOf(byId('import-status'), /Added 2 photos as “banana”/);
  await textOf(byId('capture-count-banana'), new RegExp(`^${SHOTS_PER_LABEL + 2}$`));
  await byId('import').scrollIntoViewIfNeeded();
  await screenshot(page, '2b-import');
  const imported = (await Promise.all(uploads)).slice(LABELS.length * SHOTS_PER_LABEL);
  assert.equal(imported.length, 2, 'imports go through the same upload route');
  for (const { encoding, type } of imported) assert.deepEqual([encoding, type], ['gzip', 'image/jpeg'], 'imports are gzipped JPEGs');
  const afterImport = await page.evaluate(
    async ({ key, projectId }) => (await fetch(`/api/v1/projects/${projectId}/samples?label=banana&limit=1000`, { headers: { authorization: `Bearer ${key}` } })).json(),
    { key: server.adminKey, projectId: projects[0].id as string },
  ) as { samples: { width: number; height: number }[] };
  assert.equal(afterImport.samples.length, SHOTS_PER_LABEL + 2);
  assert.ok(afterImport.samples.every((s) => s.width === 128 && s.height === 128), 'every sample is 128×128, imported photos included');

  await byId('tab-train').click();
  await byId('budget-30').click();
  await byId('train-button').click();
  const epochsSeen = new Set<string>();
  const deadline = Date.now() + 120_000;
  while (!(await byId('train-result').isVisible())) {
    assert.ok(Date.now() < deadline, 'training finished within two minutes');
    assert.doesNotMatch((await byId('train-status').textContent()) ?? '', /failed|cancelled/i);
    const epoch = (await byId('train-epoch').textContent()) ?? '';
    if (/^\d+ \/ \d+$/.test(epoch.trim())) epochsSeen.add(epoch.trim());
    if (epochsSeen.size === 2) await screenshot(page, '3-training');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.ok(epochsSeen.size >= 2, `live progress showed several epochs: ${[...epochsSeen]}`);
  await textOf(byId('train-result'), /Model v1 · val accuracy \d+(\.\d+)?%/);
  // Permission was granted, so "training is done" is a system notification (through the service worker).
  const deadlineNote = Date.now() + 10_000;
  let shown: { via: string; title: string; body?: string }[] = [];
  while (shown.length === 0 && Date.now() < deadlineNote) {
    shown = await page.evaluate(() => (window as unknown as { shownNotifications: { via: string; title: string; body?: string }[] }).shownNotifications);
    if (shown.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(shown.length, 1, 'one notification when training is done');
  assert.equal(shown[0].via, 'service-worker');
  assert.match(shown[0].title, /^Fruit: model v1 is ready$/);
  assert.match(shown[0].body ?? '', /Val accuracy \d+(\.\d+)?%/);
  assert.equal(await page.getByTestId('toast').count(), 0, 'no toast when the notification was shown');

  const downloads: string[] = [];
  page.on('request', (request) => { if (request.url().includes('/download?')) downloads.push(new URL(request.url()).searchParams.get('variant') ?? ''); });
  await byId('tab-predict').click();
  await byId('model-load-button').click();
  await textOf(byId('model-status'), /Model v1 ready \(int8 on wasm\)/, 30_000);
  assert.equal(await byId('model-status').getAttribute('data-variant'), 'int8', 'the phone runs the int8 file by default');
  assert.equal(await byId('model-accelerator').textContent(), 'wasm');
  assert.deepEqual(downloads.sort(), ['float32', 'int8', 'probes'], 'both files and the probe samples, once each, to measure');
  await byId('predict-button').click();
  const label = await textOf(byId('predict-label'), new RegExp(`^(${LABELS.join('|')})$`));
  const confidence = Number(/([\d.]+)%/.exec(await textOf(byId('predict-confidence'), /%$/))![1]);
  assert.ok(LABELS.includes(label));
  assert.ok(confidence >= 100 / LABELS.length - 1e-6 && confidence <= 100, `top-1 confidence ${confidence}% is a probability at least 1/3`);
  await textOf(byId('predict-latency'), /ms$/);
  await screenshot(page, '4-predict');

  const stored = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
  assert.ok(stored > 1000, 'the model is kept on the phone');
  // Only the chosen file is kept (encrypted): one record, int8, the size of the server's int8 file.
  const kept = await page.evaluate(`new Promise((resolve, reject) => {
    const open = indexedDB.open('offgrid');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const all = open.result.transaction('models').objectStore('models').getAll();
      all.onsuccess = () => resolve(all.result.map((r) => ({ variant: r.variant, sizeBytes: r.sizeBytes, sealed: !!r.sealed, plain: 'bytes' in r })));
      all.onerror = () => reject(all.error);
    };
  })`) as { variant: string; sizeBytes: number; sealed: boolean; plain: boolean }[];
  const { models } = await apiFromPage<{ models: { artifacts: { variant: string; sizeBytes: number }[] }[] }>(page, server.adminKey, `/projects/${projects[0].id}/models`);
  const int8Size = models[0].artifacts.find((a) => a.variant === 'int8')!.sizeBytes;
  assert.deepEqual(kept, [{ variant: 'int8', sizeBytes: int8Size, sealed: true, plain: false }]);

  // The Models screen shows the choice and what was measured: both files on wasm, each with its latency and
  // its agreement with float32 on the model's held-out probe samples.
  await byId('tab-models').click();
  const choice = byId('variant-choice');
  await textOf(choice, /Runs here: int8 on wasm/, 10_000);
  const rows = await page.getByTestId('variant-measurement').evaluateAll((elements) => elements.map((e) => ({ ...(e as HTMLElement).dataset })));
  for (const variant of ['float32', 'int8']) {
    const row = rows.find((r) => r.variant === variant && r.accelerator === 'wasm');
    assert.ok(row && Number(row.latencyMs) > 0, `${variant} on wasm has a measured latency: ${JSON.stringify(rows)}`);
    assert.ok(Number(row.probes) >= 1 && Number(row.agreeing) >= 0.9 * Number(row.probes), `${variant} agrees with float32 on the probe samples: ${JSON.stringify(row)}`);
  }
  await screenshot(page, '5-models-variants');

  // The user overrides the choice: float32 on wasm replaces the kept file, and Predict runs it.
  await byId('variant-select').selectOption('float32/wasm');
  await byId('variant-use-button').click();
  await textOf(byId('model-row-status'), /Now runs float32 on wasm on this phone/, 10_000);
  assert.equal(await byId('variant-choice').getAttribute('data-how'), 'user');
  await byId('tab-predict').click();
  await textOf(byId('model-status'), /Model v1 ready \(float32 on wasm\)/, 30_000);
  assert.deepEqual(phone.consoleErrors, [], 'no errors in the page console');
});
