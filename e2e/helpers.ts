// Shared e2e helpers: a server with a phone that trusts it, polling the page's text, screenshots, and asking the API
// over the phone's trusted HTTPS.
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '@offgrid/server/testing';
import { launchPhone, spkiHashOf, type Phone, type PhoneOptions } from './browser.ts';

export const screenshotsDir = process.env.OFFGRID_SCREENSHOTS;

export async function textOf(locator: Locator, pattern: RegExp, timeout = 15_000): Promise<string> {
  const deadline = Date.now() + timeout;
  let text = '';
  while (Date.now() < deadline) {
    text = (await locator.textContent()) ?? '';
    if (pattern.test(text)) return text;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${locator} never matched ${pattern}; last text: "${text}"`);
}

export async function attributeOf(locator: Locator, name: string, pattern: RegExp, timeout = 15_000): Promise<string> {
  const deadline = Date.now() + timeout;
  let value = '';
  while (Date.now() < deadline) {
    value = (await locator.getAttribute(name)) ?? '';
    if (pattern.test(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${locator} [${name}] never matched ${pattern}; last value: "${value}"`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  if (screenshotsDir) await page.screenshot({ path: join(screenshotsDir, `app-${name}.png`) });
}

/** Calls the API from the page, over the same trusted HTTPS the phone uses (Node's fetch would not trust the local CA). */
export async function apiFromPage<T>(page: Page, key: string, path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  return page.evaluate(
    async ({ key, path, init }) => {
      const response = await fetch(`/api/v1${path}`, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${key}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
      if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: HTTP ${response.status} ${await response.text()}`);
      return response.json();
    },
    { key, path, init },
  ) as Promise<T>;
}

/** Console errors a browser logs for requests to a server that is down on purpose (or closing: Fastify answers 503). */
export function unexpectedErrors(errors: string[]): string[] {
  return errors.filter((text) => !/ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_EMPTY_RESPONSE|Failed to fetch|status of 503/.test(text));
}

/**
 * Train tab → the 30 s budget → Train, then waits for "Model vN · val accuracy X%"; a failed or cancelled job fails at
 * once with the server's message instead of waiting for the timeout.
 */
export async function trainOnServer(page: Page, timeout = 120_000): Promise<string> {
  const byId = (id: string) => page.getByTestId(id);
  await byId('tab-train').click();
  await byId('budget-30').click();
  await byId('train-button').click();
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await byId('train-result').isVisible()) return (await byId('train-result').textContent()) ?? '';
    const status = (await byId('train-status').textContent()) ?? '';
    if (/failed|cancelled/i.test(status)) throw new Error(`Training did not succeed: ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`Training did not finish within ${timeout / 1000} s; last status: ${await byId('train-status').textContent()}`);
}

/** Predict tab → load the server's active model → wait until version `version` is ready. */
export async function loadModelForPrediction(page: Page, version = 1): Promise<void> {
  const byId = (id: string) => page.getByTestId(id);
  await byId('tab-predict').click();
  await byId('model-load-button').click();
  await textOf(byId('model-status'), new RegExp(`Model v${version} ready`), 30_000);
}

/** A real HTTPS server and a phone whose Chromium trusts its certificate, as a phone that installed the CA once. */
export async function startServerAndPhone(phoneOptions: Omit<PhoneOptions, 'trustSpki'> = {}): Promise<{ server: TestServer; phone: Phone }> {
  const server = await startTestServer({ insecureHttp: false });
  try {
    const phone = await launchPhone({ ...phoneOptions, trustSpki: spkiHashOf(join(server.dataDir, 'tls', 'server.crt')) });
    return { server, phone };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** Opens the server's pairing link on the page and waits until the app says it is paired. */
export async function pair(page: Page, server: TestServer): Promise<void> {
  await page.goto(server.server.pairingUrl);
  await textOf(page.getByTestId('pairing-status'), /^Paired/);
}

/** Creates an image project in the app and takes `shots` photos per label with the (fake) camera. */
export async function createImageProject(page: Page, name: string, labels: readonly string[], shots: number): Promise<void> {
  const byId = (id: string) => page.getByTestId(id);
  await byId('project-name-input').fill(name);
  await byId('project-labels-input').fill(labels.join(', '));
  await byId('project-create-button').click();
  await textOf(byId('camera-status'), /^$/);
  for (const label of labels) {
    for (let shot = 1; shot <= shots; shot++) {
      await byId(`capture-button-${label}`).click();
      await textOf(byId(`capture-count-${label}`), new RegExp(`^${shot}$`));
    }
  }
}
