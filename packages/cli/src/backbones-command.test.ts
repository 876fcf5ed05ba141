import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GraphBuilder, parseModel, quantizeInt8, serializeModel } from '@offgrid/tflite';

const BIN = fileURLToPath(new URL('../bin/offgrid.mjs', import.meta.url));

/** Runs the real `offgrid` binary; resolves with the exit code and both streams. */
function offgrid(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** A float feature extractor: [1,8,8,3] → conv 3x3 (4) → MEAN over H,W → [1,4]. */
function tinyBackbone(): Uint8Array {
  const g = new GraphBuilder();
  const x = g.input('image', [1, 8, 8, 3]);
  const weights = Float32Array.from({ length: 108 }, (_, i) => Math.sin(i) / 4);
  const conv = g.op('CONV_2D', [x, g.constant('w', [4, 3, 3, 3], weights), g.constant('b', [4], new Float32Array(4))], { padding: 'same', activation: 'relu' });
  g.output(g.op('MEAN', [conv, g.constant('axes', [2], Int32Array.from([1, 2]))], {}, { name: 'embedding' }));
  return g.build();
}

test('offgrid backbones import / list: a float .tflite lands in <data>/backbones with its entry; an int8 one is refused', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'offgrid-cli-backbones-'));
  try {
    const dataDir = join(dir, 'data');
    await writeFile(join(dir, 'tiny.tflite'), tinyBackbone());
    const imported = await offgrid(['backbones', 'import', join(dir, 'tiny.tflite'), '--data', dataDir, '--license', 'Apache-2.0', '--mean', '0', '--std', '255']);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /tiny {2}\(tflite\)\n {2}input 8x8x3, \(pixel - 0\) \/ 255; feature "embedding" \[4\]; 112 parameters\n {2}license Apache-2\.0; sha256 [0-9a-f]{64}/);
    assert.equal(imported.stderr, '', 'nothing was assumed: normalization and license were given');
    const entry = JSON.parse(await readFile(join(dataDir, 'backbones', 'tiny', 'backbone.json'), 'utf8'));
    assert.deepEqual(entry.normalization, { mean: [0, 0, 0], std: [255, 255, 255] });
    assert.ok(existsSync(join(dataDir, 'backbones', 'tiny', 'model.tflite')));

    // OFFGRID_DATA stands in for --data, as for `offgrid serve`.
    const listed = await offgrid(['backbones', 'list', '--json'], { OFFGRID_DATA: dataDir });
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout).map((b: { name: string; license: string }) => [b.name, b.license]), [['mobilenet-v2-nsfwjs', 'MIT'], ['tiny', 'Apache-2.0']]);

    const random = Array.from({ length: 100 }, (_, i) => Float32Array.from({ length: 192 }, (_, j) => ((i * 7 + j) % 13) / 13));
    await writeFile(join(dir, 'tiny-int8.tflite'), serializeModel(quantizeInt8(parseModel(tinyBackbone()), { representativeData: random })));
    const refused = await offgrid(['backbones', 'import', join(dir, 'tiny-int8.tflite'), '--data', dataDir]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^offgrid: Backbone "tiny-int8" is a quantized \(int8\) model: embeddings and retraining need the float32 \.tflite/);
    assert.ok(!existsSync(join(dataDir, 'backbones', 'tiny-int8')));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('offgrid backbones: wrong usage exits 2 with the usage; --mean without --std says what goes together', async () => {
  const usage = await offgrid(['backbones', 'remove', 'x']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /Unknown backbones action "remove"[\s\S]*offgrid backbones import <model folder \| file.tflite>/);
  const half = await offgrid(['backbones', 'import', 'model', '--mean', '0']);
  assert.equal(half.code, 1);
  assert.match(half.stderr, /--mean and --std go together/);
});
