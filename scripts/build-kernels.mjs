#!/usr/bin/env node
// Builds the engine's SIMD training kernels: packages/engine/kernels/simd-kernels.c →
// packages/engine/src/backend/simd-kernels.wasm, with Debian's clang and lld 14 (scripts/setup.sh
// installs them). The .wasm is committed, so users never need a compiler; `--check` rebuilds into a
// temporary file and fails unless it is byte-identical to the committed one (run by the test suite).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const source = join(root, 'packages/engine/kernels/simd-kernels.c');
const target = join(root, 'packages/engine/src/backend/simd-kernels.wasm');
const EXPORTS = ['adam_update', 'batch_norm', 'batch_norm_training', 'batch_norm_training_grad', 'channel_sum', 'clip_by_value_grad', 'depthwise_filter_grad', 'depthwise_input_grad', 'max_pool_grad', 'transpose_2d', 'transpose_blocks'];
const FLAGS = [
  '--target=wasm32', '-O3', '-msimd128', '-mbulk-memory', '-nostdlib',
  '-Wl,--no-entry', '-Wl,--import-memory', '-Wl,--strip-all',
];

function tool(names) {
  for (const name of names) {
    try {
      execFileSync(name, ['--version'], { stdio: 'ignore' });
      return name;
    } catch { /* try the next name */ }
  }
  throw new Error(`None of ${names.join(', ')} found: install Debian's clang and lld (apt-get install clang lld, as scripts/setup.sh does).`);
}

/** The module must own no memory (no data segment, no stack): it works inside tfjs' memory. */
function checkModule(file) {
  const module = new WebAssembly.Module(readFileSync(file));
  const imports = WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name}:${i.kind}`);
  const exports = WebAssembly.Module.exports(module).map((e) => e.name).sort();
  if (imports.join() !== 'env.memory:memory') throw new Error(`The kernels must import only env.memory, got ${imports.join(', ')}.`);
  if (exports.join() !== EXPORTS.join()) throw new Error(`Expected exports ${EXPORTS.join(', ')}, got ${exports.join(', ')}.`);
  const listing = execFileSync(tool(['llvm-objdump-14', 'llvm-objdump']), ['-h', '-d', file], { encoding: 'utf8' });
  if (/\bDATA\b/.test(listing)) throw new Error('The kernels have a data segment: it would be written into tfjs memory. Remove constant tables.');
  if (/global\.(get|set)/.test(listing)) throw new Error('The kernels use the stack (__stack_pointer): keep locals in registers (no arrays, no address-taken locals).');
}

function build(output) {
  execFileSync(tool(['clang-14', 'clang']), [...FLAGS, '-o', output, source], { stdio: 'inherit' });
  checkModule(output);
}

if (process.argv.includes('--check')) {
  const dir = mkdtempSync(join(tmpdir(), 'offgrid-kernels-'));
  try {
    const rebuilt = join(dir, 'simd-kernels.wasm');
    build(rebuilt);
    if (!readFileSync(rebuilt).equals(readFileSync(target))) {
      console.error(`${target} differs from a fresh build of ${source}: run npm run build:kernels and commit the result.`);
      process.exit(1);
    }
    console.log('simd-kernels.wasm matches its source.');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  build(target);
  console.log(`wrote ${target} (${readFileSync(target).length} bytes)`);
}
