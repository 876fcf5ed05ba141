import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A phone-sized page in Debian's Chromium with a fake camera and the app's consoles collected. */
export interface Phone {
  browser: Browser;
  context: BrowserContext;
  consoleErrors: string[];
  close(): Promise<void>;
}

/**
 * The SPKI hash of the server certificate makes Chromium trust exactly that key, the way a phone
 * trusts the CA after installing it once (the origin counts as secure, so service workers register).
 */
export function spkiHashOf(certPemFile: string): string {
  const leaf = new X509Certificate(readFileSync(certPemFile));
  const spki = leaf.publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/** Playwright's launch() gives every run a fresh, empty profile. */
export interface PhoneOptions {
  trustSpki?: string;
  fakeVideoFile?: string;
  permissions?: string[];
  extraArgs?: string[];
}

export async function launchPhone(options: PhoneOptions = {}): Promise<Phone> {
  const args = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    ...(options.fakeVideoFile ? [`--use-file-for-fake-video-capture=${options.fakeVideoFile}`] : []),
    ...(options.trustSpki ? [`--ignore-certificate-errors-spki-list=${options.trustSpki}`] : []),
    ...(options.extraArgs ?? []),
  ];
  const browser = await chromium.launch({ executablePath: CHROMIUM, args });
  const context = await browser.newContext({
    viewport: { width: 360, height: 800 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    permissions: ['camera', ...(options.permissions ?? [])],
    userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36',
  });
  const consoleErrors: string[] = [];
  context.on('page', (page) => {
    page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
  });
  return {
    browser, context, consoleErrors,
    close: () => browser.close(),
  };
}
