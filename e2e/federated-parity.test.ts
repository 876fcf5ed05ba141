// @offgrid/federated runs on the phone (training) and the server (averaging): the same seeded scenario in Node
// and, bundled from the same sources, in real Chromium must give bit-identical heads and numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { runFederatedParityScenario, type FederatedParityResult } from '../packages/federated/src/parity-scenario.ts';
import { launchPhone } from './browser.ts';

const scenario = fileURLToPath(new URL('../packages/federated/src/parity-scenario.ts', import.meta.url));

test('federated: Node and Chromium train and average the head bit-identically', async () => {
  // platform 'browser' fails the build on any Node import, so this also proves the package is isomorphic.
  const bundle = await build({ entryPoints: [scenario], bundle: true, format: 'iife', globalName: 'offgridFederated', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent' });
  const phone = await launchPhone();
  try {
    const page = await phone.context.newPage();
    await page.setContent('<!doctype html><title>federated parity</title>');
    await page.addScriptTag({ content: bundle.outputFiles[0].text });
    type Scenario = { offgridFederated: { runFederatedParityScenario(): Promise<FederatedParityResult> } };
    const inBrowser = await page.evaluate(() => (window as unknown as Scenario).offgridFederated.runFederatedParityScenario());
    const inNode = await runFederatedParityScenario();
    assert.deepEqual(phone.consoleErrors, []);
    assert.ok(inNode.numbers.every(Number.isFinite));
    assert.deepEqual(inBrowser, inNode);
  } finally {
    await phone.close();
  }
});
