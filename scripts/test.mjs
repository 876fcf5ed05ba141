// Runs every *.test.ts beside the code (unit + integration), then the browser end-to-end suite.
// Node 20's --test does not expand globs, so the files are listed here.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const skipE2e = process.argv.includes('--skip-e2e');

function findTests(dir, out = []) {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (entry.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const totals = { passed: 0, failed: 0 };
const tapDir = mkdtempSync(join(tmpdir(), 'offgrid-tap-'));

// Readable spec output on the terminal, TAP in a file for the one-line total at the end.
function run(files, label) {
  if (files.length === 0) return 0;
  console.log(`\n== ${label}: ${files.length} files`);
  const tapFile = join(tapDir, `${label.replace(/\W+/g, '-')}.tap`);
  const result = spawnSync(process.execPath, [
    '--import', 'tsx', '--test',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
    ...files,
  ], { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } });
  const tap = readFileSync(tapFile, 'utf8');
  totals.passed += Number(/^# pass (\d+)/m.exec(tap)?.[1] ?? 0);
  totals.failed += Number(/^# fail (\d+)/m.exec(tap)?.[1] ?? 0);
  return result.status ?? 1;
}

const unit = findTests('packages');
const e2e = skipE2e ? [] : findTests('e2e');
const status = run(unit, 'unit and integration') || run(e2e, 'browser end-to-end');
rmSync(tapDir, { recursive: true, force: true });
console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
process.exit(status);
