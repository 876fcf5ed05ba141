// "Identical on server and phone": every @offgrid/features path runs on the same fixed inputs in Node and,
// bundled from the same sources, in real Chromium; the outputs must agree within 1e-5 (relative).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { runParityScenario, type ParityResult } from '../packages/features/src/parity-scenario.ts';
import { launchPhone } from './browser.ts';

const scenario = fileURLToPath(new URL('../packages/features/src/parity-scenario.ts', import.meta.url));

test('features: Node and Chromium compute the same model inputs', async () => {
  // platform 'browser' fails the build on any Node import, so this also proves the package is isomorphic.
  const bundle = await build({ entryPoints: [scenario], bundle: true, format: 'iife', globalName: 'offgridParity', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent' });
  const phone = await launchPhone();
  try {
    const page = await phone.context.newPage();
    await page.setContent('<!doctype html><title>features parity</title>');
    await page.addScriptTag({ content: bundle.outputFiles[0].text });
    const inBrowser = await page.evaluate(() => (window as unknown as { offgridParity: { runParityScenario(): ParityResult } }).offgridParity.runParityScenario());
    const inNode = runParityScenario();
    assert.deepEqual(phone.consoleErrors, []);

    assert.deepEqual(Object.keys(inBrowser.numbers).sort(), Object.keys(inNode.numbers).sort());
    const report: string[] = [];
    for (const [name, expected] of Object.entries(inNode.numbers)) {
      const actual = inBrowser.numbers[name];
      assert.equal(actual.length, expected.length, `${name}: length`);
      assert.ok(expected.length > 0, `${name}: empty`);
      let worst = 0;
      let identical = 0;
      for (let i = 0; i < expected.length; i++) {
        assert.ok(Number.isFinite(expected[i]), `${name}[${i}] is not finite in Node`);
        const error = Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
        worst = Math.max(worst, error);
        if (actual[i] === expected[i]) identical++;
        assert.ok(error <= 1e-5, `${name}[${i}]: browser ${actual[i]} vs node ${expected[i]}`);
      }
      report.push(`${name}: ${expected.length} values, ${identical} bit-identical, max relative difference ${worst.toExponential(1)}`);
    }
    assert.deepEqual(inBrowser.strings, inNode.strings);
    console.log(report.join('\n'));
  } finally {
    await phone.close();
  }
});
