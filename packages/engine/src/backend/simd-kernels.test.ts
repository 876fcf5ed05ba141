import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';

test('the committed simd-kernels.wasm is a byte-for-byte build of kernels/simd-kernels.c, owning no memory of its own', () => {
  // Fails (with the command to run) when the C source changed without a rebuild, or clang/lld are missing (scripts/setup.sh installs them).
  const output = execFileSync(process.execPath, ['scripts/build-kernels.mjs', '--check'], { cwd: new URL('../../../..', import.meta.url), encoding: 'utf8' });
  assert.match(output, /matches its source/);
});
