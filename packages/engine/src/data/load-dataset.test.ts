import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadCsv } from './load-csv.ts';
import { loadDataset } from './load-dataset.ts';
import { decodeImage } from './decode-image.ts';

const spec = { width: 8, height: 8, mean: 127.5, std: 127.5 };

test('an image folder: one label per sub-folder, sorted; unreadable files are skipped with a reason', async () => {
  const root = mkdtempSync(join(tmpdir(), 'offgrid-folder-'));
  try {
    for (const [label, colour] of [['white', '#ffffff'], ['black', '#000000']] as const) {
      mkdirSync(join(root, label));
      for (let i = 0; i < 2; i++) writeFileSync(join(root, label, `${i}.png`), await sharp({ create: { width: 20, height: 10, channels: 3, background: colour } }).png().toBuffer());
    }
    writeFileSync(join(root, 'black', 'broken.jpg'), 'not a picture');
    writeFileSync(join(root, 'black', 'notes.txt'), 'ignored: not an image extension');
    const seen: number[] = [];
    const data = await loadDataset(root, spec, (p) => seen.push(p.done));
    assert.deepEqual(data.labels, ['black', 'white']);
    assert.deepEqual(data.shape, [8, 8, 3]);
    assert.deepEqual([...data.targets], [0, 0, 1, 1]);
    assert.equal(data.x.length, 4 * 8 * 8 * 3);
    assert.equal(data.x[0], -1);
    assert.equal(data.x[data.x.length - 1], 1);
    assert.equal(data.skipped.length, 1);
    assert.match(data.skipped[0].source, /broken\.jpg$/);
    assert.deepEqual(seen, [1, 2, 3, 4, 5]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('small pictures keep their own size when asked (the input follows the data), in file order, decoded several at a time', async () => {
  const root = mkdtempSync(join(tmpdir(), 'offgrid-small-'));
  const picture = (width: number, height: number, gray: number) => sharp({ create: { width, height, channels: 3, background: { r: gray, g: gray, b: gray } } }).png().toBuffer();
  try {
    mkdirSync(join(root, 'a'));
    mkdirSync(join(root, 'b'));
    // Enough files that decoding overlaps; each one's gray level says where it came from.
    for (let i = 0; i < 12; i++) writeFileSync(join(root, i % 2 ? 'b' : 'a', `${String(i).padStart(2, '0')}.png`), await picture(i === 3 ? 7 : 6, 6, 10 * i));
    writeFileSync(join(root, 'a', '05-broken.png'), 'not a picture');
    const native = await loadDataset(root, spec, undefined, {}, { smallImagesNative: true });
    assert.deepEqual(native.shape, [6, 6, 3], 'the largest cropped square of pictures all smaller than 8×8');
    assert.equal(native.targets.length, 12);
    assert.equal(native.skipped.length, 1);
    const firstValues = Array.from({ length: 12 }, (_, n) => Math.round(native.x[n * 6 * 6 * 3] * 127.5 + 127.5));
    assert.deepEqual(firstValues, [0, 20, 40, 60, 80, 100, 10, 30, 50, 70, 90, 110], 'a/00, a/02 … then b/01 … : file order kept');

    const fixed = await loadDataset(root, spec);
    assert.deepEqual(fixed.shape, [8, 8, 3], 'without the option every picture becomes the spec\'s size');
    writeFileSync(join(root, 'b', 'big.png'), await picture(20, 20, 255));
    const mixed = await loadDataset(root, spec, undefined, {}, { smallImagesNative: true });
    assert.deepEqual(mixed.shape, [8, 8, 3], 'one picture at least the spec\'s size: all become the spec\'s size');
    assert.deepEqual([mixed.x[0], mixed.x[mixed.x.length - 1]], [-1, 1]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a decoded cache: the second load of a folder reads it back; a changed file or a damaged cache decodes again', async () => {
  const root = mkdtempSync(join(tmpdir(), 'offgrid-cached-'));
  const cache = join(root, 'cache');
  const data = join(root, 'data');
  const picture = (gray: number) => sharp({ create: { width: 6, height: 6, channels: 3, background: { r: gray, g: gray, b: gray } } }).png().toBuffer();
  try {
    for (const label of ['a', 'b']) mkdirSync(join(data, label), { recursive: true });
    for (let i = 0; i < 6; i++) writeFileSync(join(data, i % 2 ? 'b' : 'a', `${i}.png`), await picture(40 * i));
    writeFileSync(join(data, 'a', 'broken.png'), 'not a picture');
    const options = { smallImagesNative: true, decodedCache: cache };
    const first = await loadDataset(data, spec, undefined, {}, options);
    const [entry] = readdirSync(cache);
    assert.match(entry, /^[0-9a-f]{32}\.bin$/);

    // Mark the cached pixels: a load that shows the mark read the cache instead of decoding.
    const bytes = readFileSync(join(cache, entry));
    bytes[bytes.length - 1] = 255;
    writeFileSync(join(cache, entry), bytes);
    const second = await loadDataset(data, spec, undefined, {}, options);
    assert.deepEqual(second.skipped, first.skipped, 'failures are cached too');
    assert.equal(second.x[second.x.length - 1], 1, 'the marked pixel came from the cache');
    assert.notEqual(first.x[first.x.length - 1], 1);

    writeFileSync(join(data, 'b', '5.png'), await picture(7)); // another picture in place of one: a new key
    const changed = await loadDataset(data, spec, undefined, {}, options);
    assert.equal(Math.round(changed.x[changed.x.length - 1] * 127.5 + 127.5), 7);
    writeFileSync(join(cache, readdirSync(cache).sort((a, b) => statSync(join(cache, b)).mtimeMs - statSync(join(cache, a)).mtimeMs)[0]), 'damaged');
    const again = await loadDataset(data, spec, undefined, {}, options);
    assert.deepEqual(again.x, changed.x, 'a damaged entry is decoded again');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a CSV: numeric features standardized, a label column, bad rows reported', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'offgrid-csv-'));
  try {
    const file = join(dir, 'iris.csv');
    writeFileSync(file, 'a,label,b\n1,x,10\n3,y,30\n"2",x,oops\n5,y\n\n');
    const data = await loadCsv(file);
    assert.deepEqual(data.labels, ['x', 'y']);
    assert.deepEqual(data.featureNames, ['a', 'b']);
    assert.deepEqual([...data.x], [-1, -1, 1, 1]);
    assert.deepEqual(data.featureScaling, { mean: [2, 20], std: [1, 10] });
    assert.deepEqual(data.skipped, [
      { source: 'iris.csv:4', reason: 'column "b" is not a number' },
      { source: 'iris.csv:5', reason: 'has 2 cells, the header has 3' },
    ]);
    writeFileSync(file, 'a,b\n1,2\n');
    await assert.rejects(loadCsv(file), /needs a column named "label"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('decodeImage turns grayscale and alpha into RGB and applies EXIF orientation', async () => {
  const gray = await decodeImage(await sharp(Buffer.alloc(6, 9), { raw: { width: 3, height: 2, channels: 1 } }).png().toBuffer());
  assert.deepEqual([gray.width, gray.height, gray.data.length, gray.data[17]], [3, 2, 18, 9]);
  const rotated = await decodeImage(await sharp({ create: { width: 4, height: 2, channels: 4, background: '#ff000080' } }).withMetadata({ orientation: 6 }).jpeg().toBuffer());
  assert.deepEqual([rotated.width, rotated.height], [2, 4]);
});
