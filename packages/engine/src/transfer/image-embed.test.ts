/**
 * The search's embedding pass on the real built-in backbone: two worker threads give the embeddings the calling
 * thread computes from the same preprocessing (the phone's), a second pass is all cache hits, and a pass that
 * cannot fit its time gives up after timing a few chunks, saying how long it would take. ~30–60 s on 2 cores.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { preprocessImage } from '@offgrid/features';
import { initWasmBackend } from '../backend/init-wasm.ts';
import { decodeImage } from '../data/decode-image.ts';
import { loadBackbone } from './backbones.ts';
import { embedSamples } from './embed.ts';
import { embedImageFiles, EMBED_STARTUP_SECONDS } from './image-embed.ts';
import { backboneImageSpec } from './image-embed-protocol.ts';

/** JPEGs of different sizes and aspect ratios (the worker crops and resizes them as the phone does). */
async function photos(count: number): Promise<Uint8Array[]> {
  return Promise.all(Array.from({ length: count }, async (_, n) => {
    const [width, height] = [90 + 17 * n, 70 + 11 * (n % 5)];
    const pixels = Buffer.alloc(width * height * 3);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (i * (n + 3) + (i % 7) * 31) % 256;
    return new Uint8Array(await sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer());
  }));
}

test('embedImageFiles: two workers match the calling thread, then every sample is a cache hit', { timeout: 180_000 }, async () => {
  const files = await photos(10);
  const cache = new Map<string, Float32Array>();
  const first = await embedImageFiles({ backbone: 'mobilenet-v2-nsfwjs', count: files.length, readFile: async (i) => files[i], cache, maxSeconds: 600 });
  assert.ok(first.fits);
  assert.equal(first.cacheHits, 0);
  assert.equal(cache.size, files.length);
  await initWasmBackend();
  const backbone = await loadBackbone('mobilenet-v2-nsfwjs');
  const spec = backboneImageSpec(backbone.info);
  const size = spec.width * spec.height * 3;
  const x = new Float32Array(files.length * size);
  for (const [i, file] of files.entries()) x.set(preprocessImage(await decodeImage(file), spec), i * size);
  const here = await embedSamples(backbone, { x, shape: [spec.height, spec.width, 3], targets: files.map(() => 0) });
  const error = Math.max(...first.x.map((v, i) => Math.abs(v - here.x[i])));
  assert.ok(error < 1e-4, `worker and calling-thread embeddings differ by ${error}`);

  const again = await embedImageFiles({ backbone: 'mobilenet-v2-nsfwjs', count: files.length, readFile: async (i) => files[i], cache, maxSeconds: 600 });
  assert.ok(again.fits);
  assert.equal(again.cacheHits, files.length);
  assert.deepEqual(again.x, first.x);
});

test('embedImageFiles gives up when the pass would not fit, and starts nothing below the start-up time', { timeout: 120_000 }, async () => {
  const files = await photos(60);
  const tooShort = await embedImageFiles({ backbone: 'mobilenet-v2-nsfwjs', count: files.length, readFile: async (i) => files[i], maxSeconds: EMBED_STARTUP_SECONDS - 1 });
  assert.ok(!tooShort.fits && /less than starting the backbone takes/.test(tooShort.reason) && tooShort.seconds < 2, JSON.stringify(tooShort));
  // 2,000 images (the 60 again and again; no cache here) take far over 8 s on any machine (a fast core embeds ~20 an
  // image a second): the pass times a few chunks and gives up before the end.
  const cut = await embedImageFiles({ backbone: 'mobilenet-v2-nsfwjs', count: 2000, readFile: async (i) => files[i % files.length], maxSeconds: 8 });
  assert.ok(!cut.fits, `the pass gave up: ${JSON.stringify({ ...cut, x: undefined })}`);
  assert.match(cut.reason, /^embedding 2000 images with mobilenet-v2-nsfwjs would take about \d+ s \(\d\.\d\d s an image on each of 2 core\(s\)\), over the 8 s it may use$/);
  assert.ok(cut.estimatedSeconds > 8 && cut.seconds < cut.estimatedSeconds, JSON.stringify(cut));
  await assert.rejects(embedImageFiles({ backbone: 'no-such-backbone', count: 1, readFile: async () => files[0], maxSeconds: 60 }), /Unknown backbone "no-such-backbone"/);
});
