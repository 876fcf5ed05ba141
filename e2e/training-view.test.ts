// The Train tab follows a real search live over the WebSocket (leaderboard, learning curves, transport shown), and
// the Models tab shows the version's report: test accuracy of both files and the confusion matrix, whose counts
// must add up to the report's test split.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelReport, ModelVersion } from '@offgrid/sdk';
import { type TestServer } from '@offgrid/server/testing';
import { type Phone } from './browser.ts';
import { apiFromPage, attributeOf, createImageProject, pair, screenshot, startServerAndPhone, textOf } from './helpers.ts';

const LABELS = ['cup', 'pen', 'key'];
const SHOTS_PER_LABEL = 5;

let server: TestServer;
let phone: Phone;
before(async () => {
  ({ server, phone } = await startServerAndPhone());
});
after(async () => {
  await phone?.close();
  await server?.stop();
});

test('train: live leaderboard and curves over the WebSocket; models: report with the confusion matrix', { timeout: 150_000 }, async () => {
  const page = await phone.context.newPage();
  const byId = (id: string) => page.getByTestId(id);
  const sockets: string[] = [];
  const eventStreams: string[] = [];
  page.on('websocket', (socket) => sockets.push(socket.url()));
  page.on('request', (request) => { if (/\/jobs\/[^/]+\/events$/.test(request.url())) eventStreams.push(request.url()); });

  await pair(page, server);
  await createImageProject(page, 'Desk', LABELS, SHOTS_PER_LABEL);

  await byId('tab-train').click();
  // Each preset says what it buys.
  await byId('budget-300').click();
  await textOf(byId('budget-hint'), /search/);
  await byId('budget-30').click();
  assert.equal(await byId('budget-30').getAttribute('aria-checked'), 'true');
  await textOf(byId('budget-hint'), /quick check/i);
  await byId('train-button').click();

  // While it runs: the most rows and points seen, the transport, the phases.
  let maxRows = 0;
  let maxPoints = 0;
  let liveTransport = '';
  let shot = false;
  let reattached = false;
  const phases = new Set<string>();
  const deadline = Date.now() + 100_000;
  while (!(await byId('train-result').isVisible())) {
    assert.ok(Date.now() < deadline, 'training finished within 100 s');
    assert.doesNotMatch((await byId('train-status').textContent()) ?? '', /failed|cancelled|did not run/i);
    const rows = await byId('leaderboard-row').count();
    const points = Number((await byId('learning-curve').getAttribute('data-points')) ?? 0);
    maxRows = Math.max(maxRows, rows);
    maxPoints = Math.max(maxPoints, points);
    phases.add((await byId('train-phase').getAttribute('data-phase')) ?? '');
    if ((await byId('train-transport').getAttribute('data-state')) === 'live') liveTransport = (await byId('train-transport').getAttribute('data-transport')) ?? '';
    if (!shot && rows >= 2 && points >= 2) {
      shot = true;
      await screenshot(page, 'train-1-search');
      await byId('learning-curve').scrollIntoViewIfNeeded();
      await screenshot(page, 'train-2-curves');
      await page.evaluate(() => window.scrollTo(0, 0));
      // The phone reloads the app mid-search (or Android killed it in the background): the panel finds the
      // running job on the server and follows it again.
      await page.reload();
      await byId('tab-train').click();
      await textOf(byId('train-status'), /^(Training…|Training finished)$/);
      reattached = await byId('train-button').isDisabled() || await byId('train-result').isVisible();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(reattached, 'after the reload the panel followed the running job');
  assert.ok(maxRows >= 2, `the leaderboard showed ${maxRows} trials while the search ran`);
  assert.ok(maxPoints >= 1, `the learning-curve chart had ${maxPoints} points while the search ran`);
  assert.equal(liveTransport, 'websocket', 'the updates came over the WebSocket, and the page said so');
  assert.ok(phases.has('searching'), `phases seen: ${[...phases]}`);
  assert.ok(sockets.some((url) => /^wss:\/\/.+\/api\/v1\/jobs\/[^/]+\/socket$/.test(url)), `sockets: ${sockets}`);
  assert.ok(sockets.every((url) => !url.includes(server.adminKey) && !/key/i.test(url)), 'the key is not in the socket URL');
  assert.deepEqual(eventStreams, [], 'no SSE fallback was needed');
  // Every accuracy says how many samples it rests on, and a project this small is told the figure is rough.
  await textOf(byId('train-result'), /Model v1 · val accuracy \d+(\.\d+)?% of \d+ · int8 test accuracy \d+(\.\d+)?% of \d+$/);
  await textOf(byId('train-result-rough'), /^Accuracy is a rough figure: it was measured on only \d+ samples? \(one sample moves it by \d+ points\)/);

  // The finished job: the best row highlighted, and the chart redrawn from the report's own histories.
  const modelId = (await byId('train-result').getAttribute('data-model-id'))!;
  const report = await apiFromPage<ModelReport>(page, server.adminKey, `/models/${modelId}/report`);
  await attributeOf(byId('learning-curve').locator('xpath=..'), 'data-drawn', /^report$/);
  const reportPoints = report.trials.reduce((n, t) => n + t.history.filter((e) => e.valAccuracy !== undefined).length, 0);
  assert.equal(Number(await byId('learning-curve').getAttribute('data-points')), reportPoints, 'every recorded epoch is a point');
  assert.equal(await byId('learning-curve').getAttribute('data-best'), String(report.winner.trialNumber));
  assert.equal(await page.locator('[data-testid="leaderboard-row"][data-best="true"]').count(), 1);
  await screenshot(page, 'train-3-done');

  // Without notification permission, "done" is an in-app toast; a tap hides it.
  await textOf(byId('toast'), /^Desk: model v1 is ready\./);
  await byId('toast').click();
  assert.equal(await byId('toast').isVisible(), false);

  // Models: both files' test accuracy, the sizes, then the details.
  await byId('tab-models').click();
  const row = page.locator(`[data-testid="model-row"][data-model-id="${modelId}"]`);
  const model = await apiFromPage<ModelVersion>(page, server.adminKey, `/models/${modelId}`);
  const pct = (value: number) => `${(value * 100).toFixed(1)}%`;
  await textOf(row.getByTestId('model-test-float32'), new RegExp(`^float32 ${pct(model.metrics.test!.float32.accuracy).replace('.', '\\.')}$`));
  await textOf(row.getByTestId('model-test-int8'), new RegExp(`^int8 ${pct(model.metrics.test!.int8.accuracy).replace('.', '\\.')}$`));
  // KB or MB: with warm trial workers a 30 s search tries more families, and a mobilenet winner is megabytes.
  await textOf(row.getByTestId('model-size'), /^float32 [\d.]+ [KM]B · int8 [\d.]+ [KM]B$/);
  await row.getByTestId('model-details-button').click();
  await attributeOf(row.getByTestId('model-details'), 'data-state', /^ready$/);

  const matrix = row.getByTestId('confusion-matrix');
  const sumOfCells = async () => (await matrix.getByTestId('confusion-cell').evaluateAll((cells) => cells.map((c) => Number((c as HTMLElement).dataset.count)))).reduce((a, b) => a + b, 0);
  assert.ok(report.split.test > 0);
  assert.equal(await matrix.getByTestId('confusion-cell').count(), LABELS.length ** 2);
  assert.equal(await sumOfCells(), report.split.test, 'float32: the counts add up to the test split');
  assert.equal(Number(await matrix.getAttribute('data-total')), report.split.test);
  assert.deepEqual(await matrix.getByTestId('confusion-actual-label').allTextContents(), report.labels, 'labels down the side');
  assert.deepEqual(await matrix.getByTestId('confusion-predicted-label').allTextContents(), report.labels, 'labels across the top');
  const diagonal = await matrix.locator('td.diagonal').evaluateAll((cells) => cells.map((c) => Number((c as HTMLElement).dataset.count)));
  assert.ok(Math.abs(diagonal.reduce((a, b) => a + b, 0) / report.split.test - report.metrics.test.float32.accuracy) < 1e-9, 'the diagonal is the test accuracy');
  assert.deepEqual(await row.getByTestId('report-per-class-row').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.label)), report.labels);
  await textOf(row.getByTestId('report-test-int8'), new RegExp(`^${pct(report.metrics.test.int8.accuracy).replace('.', '\\.')} of ${report.split.test}$`));
  await textOf(row.getByTestId('report-rough'), new RegExp(`^The test accuracy is a rough figure: it was measured on only ${report.split.test} sample`));
  assert.equal(Number(await row.getByTestId('report-learning-curve').getAttribute('data-points')), reportPoints);
  // Below the sticky header: the row's head, metrics and the report's first part; then the matrix; then the curves.
  const scrollBelowHeader = (testid: string) => row.getByTestId(testid).evaluate((element) => window.scrollBy(0, element.getBoundingClientRect().top - 80));
  await scrollBelowHeader('model-version');
  await screenshot(page, 'models-1-report');
  await scrollBelowHeader('confusion-matrix');
  await screenshot(page, 'models-2-confusion');
  await scrollBelowHeader('report-learning-curve');
  await screenshot(page, 'models-3-curves');

  await row.getByTestId('report-variant-int8').click();
  await attributeOf(row.getByTestId('report-variant-area'), 'data-variant', /^int8$/);
  assert.equal(await sumOfCells(), report.split.test, 'int8: the counts add up to the test split');
  const int8Cells = await row.getByTestId('confusion-matrix').getByTestId('confusion-cell').evaluateAll((cells) => cells.map((c) => Number((c as HTMLElement).dataset.count)));
  assert.deepEqual(int8Cells, report.metrics.test.int8.confusion.flat(), 'the int8 matrix is the report’s');

  // 360 px wide: nothing pushes the page sideways (the matrix scrolls inside its own box when it must).
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no horizontal page scroll at 360 px');
  assert.deepEqual(phone.consoleErrors, [], 'no errors in the page console');
});
