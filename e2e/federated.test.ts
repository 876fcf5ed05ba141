// Federated learning from the app, end to end in Chromium: a workstation trains a wine classifier on a small seed;
// a privacy-mode project ("Keep samples on this phone") starts from a copy of it; three phones each import a
// non-IID share of the real UCI wine data (two cultivars each) which stays on the phone, encrypted; one phone opens
// a round from the Train tab and all three join: embed with the trunk in LiteRT.js, train the head, send the
// delta, rate the average on held-out rows. The server stores no sample of the project, no request goes to
// /samples and no request body carries a sample; the round's decision is shown on the phones and recorded.
// Then one phone personalizes the new version on its own rows and predicts with trunk + its head.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type TestServer } from '@offgrid/server/testing';
import type { Page } from 'playwright-core';
import { launchPhone, spkiHashOf, type Phone } from './browser.ts';
import { apiFromPage, attributeOf, pair, screenshot, startServerAndPhone, textOf } from './helpers.ts';
import { readWine, splitWine, toCsv, WINE_FEATURES, WINE_LABELS, wineFile, type WineRow } from './wine.ts';

const WINE = wineFile();
const SHARES = [[WINE_LABELS[0], WINE_LABELS[1]], [WINE_LABELS[1], WINE_LABELS[2]], [WINE_LABELS[0], WINE_LABELS[2]]];
const SEED_PER_LABEL = 6;

interface Sent {
  url: string;
  method: string;
  body: string;
}

let server: TestServer;
const phones: Phone[] = [];
const pages: Page[] = [];

before(async () => {
  if (!WINE) return;
  const first = await startServerAndPhone();
  server = first.server;
  phones.push(first.phone);
  const trustSpki = spkiHashOf(join(server.dataDir, 'tls', 'server.crt'));
  phones.push(await launchPhone({ trustSpki }), await launchPhone({ trustSpki }));
  for (const phone of phones) pages.push(await phone.context.newPage());
});
after(async () => {
  for (const phone of phones) await phone.close();
  await server?.stop();
});

/** Every request a page makes, with its body as text (the intercept the privacy assertions read). */
function recordRequests(page: Page): Sent[] {
  const sent: Sent[] = [];
  page.on('request', (request) => {
    sent.push({ url: request.url(), method: request.method(), body: request.postDataBuffer()?.toString('latin1') ?? '' });
  });
  return sent;
}

/** The workstation's own project: a seed of every cultivar, trained there; its version is the round's start. */
async function seedModel(page: Page, rows: readonly WineRow[]): Promise<string> {
  const admin = server.adminKey;
  const seed = await apiFromPage<{ id: string }>(page, admin, '/projects', { method: 'POST', body: { name: 'Wine (workstation)', labels: WINE_LABELS, modality: 'tabular', featureNames: WINE_FEATURES } });
  const stored = await page.evaluate(async ({ key, projectId, csv }) => {
    const response = await fetch(`/api/v1/projects/${projectId}/samples?label=cultivar_1`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' }, body: csv });
    if (!response.ok) throw new Error(`CSV upload: HTTP ${response.status} ${await response.text()}`);
    return ((await response.json()) as { results: { ok?: boolean }[] }).results.filter((r) => r.ok).length;
  }, { key: admin, projectId: seed.id, csv: toCsv(rows) });
  assert.equal(stored, rows.length);
  let job = await apiFromPage<{ id: string; status: string; modelId?: string; error?: string }>(page, admin, `/projects/${seed.id}/train`, { method: 'POST', body: { budgetSeconds: 15 } });
  const deadline = Date.now() + 120_000;
  while (!['succeeded', 'failed', 'cancelled'].includes(job.status) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    job = await apiFromPage(page, admin, `/jobs/${job.id}`);
  }
  assert.equal(job.status, 'succeeded', job.error);
  return job.modelId!;
}

async function createPrivacyProject(page: Page): Promise<string> {
  const byId = (id: string) => page.getByTestId(id);
  await byId('project-name-input').fill('Wine (cellars)');
  await byId('project-modality-select').selectOption('tabular');
  await byId('project-labels-input').fill(WINE_LABELS.join(', '));
  await byId('project-features-input').fill(WINE_FEATURES.join(', '));
  await byId('project-privacy-input').check();
  await textOf(byId('project-privacy'), /Samples never leave this phone; only model updates and counts travel/);
  await byId('project-create-button').click();
  await textOf(byId('project-name'), /Wine \(cellars\)/);
  await textOf(byId('project-privacy-note'), /Samples stay on this phone: they are never uploaded/);
  return /#\/projects\/([^/]+)\//.exec(page.url())![1];
}

/** A phone paired to the project only (its own pairing link), on the project's Capture tab. */
async function joinPhone(page: Page, admin: Page, projectId: string): Promise<void> {
  const { url } = await apiFromPage<{ url: string }>(admin, server.adminKey, '/pairing/tokens', { method: 'POST', body: { projectIds: [projectId] } });
  await page.goto(url);
  await textOf(page.getByTestId('pairing-status'), /^Paired/);
  await page.goto(new URL(`/#/projects/${projectId}/capture`, url).href);
  await textOf(page.getByTestId('project-privacy-note'), /Samples stay on this phone/);
}

async function importShare(page: Page, rows: readonly WineRow[], index: number): Promise<void> {
  const byId = (id: string) => page.getByTestId(id);
  await byId('tab-capture').click();
  await byId('csv-input').setInputFiles({ name: `cellar-${index}.csv`, mimeType: 'text/csv', buffer: Buffer.from(toCsv(rows)) });
  await attributeOf(byId('csv-status'), 'data-stored', new RegExp(`^${rows.length}$`));
  for (const label of SHARES[index]) await textOf(byId(`capture-count-${label}`), new RegExp(`^${rows.filter((r) => r.label === label).length}$`));
  await textOf(byId('capture-privacy-note'), /never uploaded/);
}

test('federated: three phones with non-IID wine shares run a round from the app; no sample reaches the server', { skip: WINE ? false : 'wine_data.csv is missing: run scripts/setup.sh (it fetches python3-sklearn\'s copy)', timeout: 420_000 }, async () => {
  const { seed, phones: shares } = splitWine(readWine(WINE!), SEED_PER_LABEL, SHARES);
  const [first] = pages;
  await pair(first, server);
  // The test's own admin calls go from another tab, whose requests are not the phones'.
  const admin = await phones[0].context.newPage();
  await admin.goto(new URL('/', first.url()).href);
  const baseModelId = await seedModel(admin, seed);
  const sent = pages.map(recordRequests);

  const projectId = await createPrivacyProject(first);
  const project = await apiFromPage<{ samplesStayOnDevice: boolean }>(admin, server.adminKey, `/projects/${projectId}`);
  assert.equal(project.samplesStayOnDevice, true, 'the form created a privacy-mode project');
  const copy = await apiFromPage<{ id: string; version: number }>(admin, server.adminKey, `/projects/${projectId}/models/copy`, { method: 'POST', body: { fromModelId: baseModelId } });
  await first.getByTestId('tab-capture').click();
  for (const [i, page] of pages.entries()) {
    if (i > 0) await joinPhone(page, admin, projectId);
    await importShare(page, shares[i], i);
  }
  await screenshot(first, 'federated-1-kept-on-phone');
  // The Data tab lists what the phone keeps (the server has nothing to list).
  await first.getByTestId('tab-data').click();
  const keptFirst = shares[0].filter((row) => row.label === WINE_LABELS[0]).length;
  await textOf(first.getByTestId('data-kept'), new RegExp(`^${keptFirst} “${WINE_LABELS[0]}” samples kept on this phone`));

  // Two rounds from the app: the second starts from what the first decided (the new version, or the base again).
  let base = copy.id;
  for (const number of [1, 2]) base = await roundFromApp(admin, projectId, number, base, shares.map((rows) => rows.length));

  // Privacy: the server holds no sample of the project; no request went to /samples or carried a row.
  const stored = await apiFromPage<{ samples: unknown[] }>(admin, server.adminKey, `/projects/${projectId}/samples`);
  assert.equal(stored.samples.length, 0);
  const counts = await apiFromPage<{ sampleCounts: Record<string, number> }>(admin, server.adminKey, `/projects/${projectId}`);
  assert.equal(Object.values(counts.sampleCounts).reduce((a, b) => a + b, 0), 0);
  for (const [i, requests] of sent.entries()) {
    assert.deepEqual(requests.filter((r) => /\/samples(\?|\/|$)/.test(r.url)).map((r) => r.url), [], `phone ${i + 1} sent nothing to /samples`);
    const bodies = requests.filter((r) => r.body !== '');
    for (const row of shares[i]) {
      const csvLine = row.values.join(',');
      const json = JSON.stringify(row.values.map(Number));
      const leaked = bodies.find((r) => r.body.includes(csvLine) || r.body.includes(json.slice(1, -1)));
      assert.equal(leaked, undefined, `phone ${i + 1} sent one of its rows in ${leaked?.method} ${leaked?.url}`);
    }
    const updates = requests.filter((r) => r.url.endsWith('/update'));
    assert.equal(updates.length, 2, 'one update per round');
    for (const update of updates) assert.deepEqual(Object.keys(JSON.parse(update.body) as object).sort(), ['baseModelId', 'delta', 'sampleCount']);
  }
  await personalizeOnPhone(pages[1], shares[1]);
});

interface RoundRecord {
  number: number;
  status: string;
  baseModelId: string;
  participants: { status: string; sampleCount?: number }[];
  outcome: { decision: string; reason: string; modelId?: string; candidateAccuracy?: number; baseAccuracy?: number };
}

/**
 * The first phone opens round `number` from the Train tab (3 phones; it averages once all three sent their
 * update); every phone joins from its Train tab and shows the decision. Returns the version the next round starts from.
 */
async function roundFromApp(admin: Page, projectId: string, number: number, baseModelId: string, held: readonly number[]): Promise<string> {
  const [first] = pages;
  const byFirst = (id: string) => first.getByTestId(id);
  await byFirst('tab-train').click();
  if ((await byFirst('round-open').getAttribute('open')) === null) await byFirst('round-open').locator('summary').click();
  await byFirst('round-min-input').fill('3');
  await byFirst('round-max-input').fill('3');
  await byFirst('round-deadline-input').fill('10');
  await byFirst('round-open-button').click();
  await attributeOf(byFirst('round-summary'), 'data-status', /^open$/);
  await textOf(byFirst('round-summary'), new RegExp(`^Round ${number} \\(open\\)`));
  await Promise.all(pages.map(async (page, i) => {
    await page.getByTestId('tab-train').click();
    await page.getByTestId('round-refresh-button').click();
    await attributeOf(page.getByTestId('round-summary'), 'data-status', /^open$/);
    // In round 2 the last phone reloads the app as soon as its update is sent: it resumes by itself (waits, rates
    // on the samples it held out) without training or sending again ("one update per round" below).
    const reloads = number === 2 && i === pages.length - 1;
    const updateSent = reloads ? page.waitForResponse((response) => response.url().endsWith('/update') && response.request().method() === 'POST', { timeout: 120_000 }) : undefined;
    await page.getByTestId('round-join-button').click();
    if (updateSent) {
      assert.equal((await updateSent).status(), 200);
      // The decision awaited below can only come from the reloaded page's own resume.
      await page.reload();
    }
  }));
  const decisions = await Promise.all(pages.map((page) => attributeOf(page.getByTestId('round-outcome'), 'data-decision', /^(registered|kept-base)$/, 240_000)));
  await screenshot(first, `federated-2-round-${number}-outcome`);
  assert.equal(new Set(decisions).size, 1, 'every phone shows the same decision');

  // The round as the server recorded it: three updates with their counts; the decision and its reason.
  const { rounds } = await apiFromPage<{ rounds: RoundRecord[] }>(admin, server.adminKey, `/projects/${projectId}/federated/rounds`);
  const [round] = rounds;
  assert.deepEqual([round.number, round.status, round.baseModelId, round.participants.map((p) => p.status)], [number, 'closed', baseModelId, ['submitted', 'submitted', 'submitted']]);
  round.participants.forEach((p) => assert.ok(p.sampleCount! > 0 && held.some((n) => p.sampleCount! < n), 'each phone trained on its share minus the held-out rows'));
  assert.equal(round.outcome.decision, decisions[0], round.outcome.reason);
  const outcomeText = (await first.getByTestId('round-outcome').textContent()) ?? '';
  console.log(`federated round ${number}: ${round.outcome.decision} (${round.outcome.reason}); held-out accuracy ${round.outcome.baseAccuracy} → ${round.outcome.candidateAccuracy}`);
  if (round.outcome.decision !== 'registered') {
    assert.match(outcomeText, /kept the base/);
    return baseModelId;
  }
  const model = await apiFromPage<{ version: number; active: boolean }>(admin, server.adminKey, `/models/${round.outcome.modelId}`);
  assert.match(outcomeText, new RegExp(`registered as v${model.version}`));
  assert.equal(model.active, true, 'the registered version is the project\'s active one, so the next round starts from it');
  return round.outcome.modelId!;
}

/** Learning on the phone alone: the active version's head trained on the phone's rows, then predicting with it. */
async function personalizeOnPhone(page: Page, rows: readonly WineRow[]): Promise<void> {
  const byId = (id: string) => page.getByTestId(id);
  await byId('tab-predict').click();
  await byId('model-load-button').click();
  await textOf(byId('model-status'), /Model v\d+ ready/, 60_000);
  await byId('tab-train').click();
  await attributeOf(byId('learning-samples'), 'data-count', new RegExp(`^${rows.length}$`));
  // A page in the background does not learn: the run stops at once and says why.
  // (A string: tsx would wrap a named getter in __name, which the page does not have.)
  await page.evaluate("Object.defineProperty(document, 'hidden', { configurable: true, value: true })");
  await byId('learning-start-button').click();
  await attributeOf(byId('learning-status'), 'data-state', /^cancelled$/);
  await textOf(byId('learning-status'), /The app was hidden, so learning stopped/);
  await page.evaluate("delete document.hidden");
  await byId('learning-start-button').click();
  await attributeOf(byId('learning-status'), 'data-state', /^(done|failed|cancelled)$/, 120_000);
  assert.equal(await byId('learning-status').getAttribute('data-state'), 'done', (await byId('learning-status').textContent()) ?? '');
  await textOf(byId('learning-status'), /personalized on this phone with \d+ samples/);
  await textOf(byId('model-status'), /personalized on this phone/, 30_000);
  await byId('tab-models').click();
  await textOf(byId('model-personalized'), /Personalized on this phone: \d+ samples, .*accuracy on \d+ held-out local samples/);
  await screenshot(page, 'federated-3-personalized');
  await byId('model-personal-drop-button').click();
  await page.getByTestId('model-personalized').waitFor({ state: 'detached' });
}
