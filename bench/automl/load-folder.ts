/**
 * Loading a folder of images as `offgrid train` does (small pictures at their own size): decoding every picture
 * (an empty decoded cache) against reading them back from the decoded cache, alternating.
 *   node --import tsx bench/automl/load-folder.ts [folder=/tmp/offgrid-fmnist-png] [rounds=2]
 * (the Fashion-MNIST PNG folder is written by bench/automl/fashion-mnist-folder.ts)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset } from '@offgrid/engine/data';
import { DEFAULT_IMAGE_SPEC } from '@offgrid/features';

const folder = process.argv[2] ?? '/tmp/offgrid-fmnist-png';
const rounds = Number(process.argv[3] ?? 2);
console.log(`${cpus()[0]?.model}, ${cpus().length} cores, load ${loadavg()[0].toFixed(1)}; ${folder}`);
console.log('| round | decoded cache | seconds | images |\n|---|---|---|---|');
for (let round = 1; round <= rounds; round++) {
  const cache = mkdtempSync(join(tmpdir(), 'offgrid-decoded-'));
  try {
    for (const state of ['empty (decodes, then writes it)', 'filled (reads it back)']) {
      const start = performance.now();
      const data = await loadDataset(folder, DEFAULT_IMAGE_SPEC, undefined, {}, { smallImagesNative: true, decodedCache: cache });
      console.log(`| ${round} | ${state} | ${((performance.now() - start) / 1000).toFixed(1)} | ${data.targets.length} |`);
    }
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}
