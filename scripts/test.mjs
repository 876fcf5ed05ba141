// Runs every *.test.ts beside the code (unit + integration), then the browser end-to-end suite.
// Node 20's --test does not expand globs, so the files are listed here.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
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

function run(files, label) {
  if (files.length === 0) return 0;
  console.log(`\n== ${label}: ${files.length} files`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'test' },
  });
  return result.status ?? 1;
}

const unit = findTests('packages');
const e2e = skipE2e ? [] : findTests('e2e');
const status = run(unit, 'unit and integration') || run(e2e, 'browser end-to-end');
process.exit(status);
