import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_IMAGE_SPEC, decodeWav, encodeText, motionWindows, parseMotionRecording, preprocessAudio, preprocessImage, scaleFeatures, spectrogramShape,
  DEFAULT_AUDIO_SPEC, DEFAULT_TEXT_SPEC, type AudioSpec, type MotionSpec,
} from '@offgrid/features';
import { decodeImage } from '@offgrid/engine/data';
import { BlobStore } from '../storage/blob-store.ts';
import type { Sample } from '../samples/sample-store.ts';
import { jpegOf } from '../test-images.ts';
import { motionBytes, motionRecording, wavTone } from '../samples/test-samples.ts';
import { buildDataset, type DatasetProject } from './build-dataset.ts';

let dir: string;
let blobs: BlobStore;
before(() => { dir = mkdtempSync(join(tmpdir(), 'offgrid-build-')); blobs = new BlobStore(dir); });
after(() => rmSync(dir, { recursive: true, force: true }));

const readBlob = (sha256: string) => blobs.get(sha256);
let nextId = 0;

/** Stores the bytes in a real blob store and returns the sample row a snapshot would hold. */
async function sampleOf(label: string, bytes: Uint8Array | string): Promise<Sample> {
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  return { id: `s${nextId++}`, projectId: 'p', label, sha256: await blobs.put(data), mediaType: 'x', meta: {}, createdAt: '' };
}

const project = (fields: Partial<DatasetProject> & Pick<DatasetProject, 'modality'>): DatasetProject => ({ task: 'classify', labels: ['a', 'b'], settings: {}, ...fields });

/** Row i of a dataset's x. */
const row = (x: Float32Array, i: number, size: number) => x.subarray(i * size, (i + 1) * size);

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-5) {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance * Math.max(1, Math.abs(expected[i])), `index ${i}: ${actual[i]} vs ${expected[i]}`);
}

describe('buildDataset', () => {
  test('image: decode + preprocessImage; an undecodable file is skipped with its reason', async () => {
    const jpegs = [await jpegOf([250, 0, 0], 1), await jpegOf([0, 0, 250], 2, 48)];
    const samples = [await sampleOf('a', jpegs[0]), await sampleOf('b', 'not a jpeg'), await sampleOf('b', jpegs[1])];
    const dataset = await buildDataset(project({ modality: 'image' }), samples, readBlob);
    const size = DEFAULT_IMAGE_SPEC.width * DEFAULT_IMAGE_SPEC.height * 3;
    assert.deepEqual([dataset.kind, dataset.shape, [...dataset.targets], dataset.sources, dataset.imageNormalization],
      ['image', [DEFAULT_IMAGE_SPEC.height, DEFAULT_IMAGE_SPEC.width, 3], [0, 1], [samples[0].id, samples[2].id], { mean: DEFAULT_IMAGE_SPEC.mean, std: DEFAULT_IMAGE_SPEC.std }]);
    for (const [i, jpeg] of jpegs.entries()) assert.deepEqual(row(dataset.x, i, size), preprocessImage(await decodeImage(jpeg), DEFAULT_IMAGE_SPEC));
    assert.equal(dataset.skipped.length, 1);
    assert.equal(dataset.skipped[0].source, samples[1].id);
    assert.match(dataset.skipped[0].reason, /unsupported image format|Input buffer/i);
  });

  test('audio: log-mel normalized over the dataset; the phone reproduces each row from the returned spec', async () => {
    const clips = [wavTone(440, 1, 16000, 1), wavTone(2000, 0.6, 44100, 2), wavTone(700, 1.4, 8000, 3)];
    const samples = [await sampleOf('a', clips[0]), await sampleOf('b', clips[1]), await sampleOf('a', clips[2]), await sampleOf('b', clips[0].subarray(0, 100))];
    const dataset = await buildDataset(project({ modality: 'audio', settings: { audio: { clipSeconds: 0.5 } } }), samples, readBlob);
    const spec: AudioSpec = { ...DEFAULT_AUDIO_SPEC, clipSeconds: 0.5 };
    const [frames, bands] = spectrogramShape(spec);
    assert.deepEqual([dataset.kind, dataset.shape, [...dataset.targets], dataset.x.length], ['audio', [frames, bands], [0, 1, 0], 3 * frames * bands]);
    const audio = dataset.preprocessing?.audio;
    assert.ok(audio?.normalization);
    assert.equal(audio.clipSeconds, 0.5);
    const mean = dataset.x.reduce((s, v) => s + v, 0) / dataset.x.length;
    const std = Math.sqrt(dataset.x.reduce((s, v) => s + (v - mean) ** 2, 0) / dataset.x.length);
    assert.ok(Math.abs(mean) < 1e-4 && Math.abs(std - 1) < 1e-3, `normalized: mean ${mean}, std ${std}`);
    for (const [i, clip] of clips.entries()) assertClose(row(dataset.x, i, frames * bands), preprocessAudio(decodeWav(clip), audio));
    assert.deepEqual(dataset.skipped.map((s) => s.source), [samples[3].id]);
    assert.match(dataset.skipped[0].reason, /Truncated WAV file/);
  });

  test('motion: windows per recording share a group; the phone reproduces each window from the returned spec', async () => {
    const recordings = [motionRecording(1, 5, { seed: 1 }), motionRecording(3, 3, { rateHz: 100, seed: 2 }), motionRecording(2, 4, { seed: 3 })];
    const samples = [await sampleOf('a', motionBytes(recordings[0])), await sampleOf('b', motionBytes(recordings[1])), await sampleOf('b', motionBytes(motionRecording(1, 1))), await sampleOf('a', motionBytes(recordings[2]))];
    const dataset = await buildDataset(project({ modality: 'motion', settings: { motion: { windowSeconds: 2, strideSeconds: 1 } } }), samples, readBlob);
    // 5 s → 4 windows, 3 s → 2, 4 s → 3 (2 s windows every 1 s); the 1 s recording has none.
    assert.deepEqual([dataset.kind, dataset.shape, [...dataset.targets], [...(dataset.groups ?? [])]], ['motion', [100, 6], [0, 0, 0, 0, 1, 1, 0, 0, 0], [0, 0, 0, 0, 1, 1, 2, 2, 2]]);
    assert.deepEqual(dataset.sources.slice(3, 6), [`${samples[0].id}#3`, `${samples[1].id}#0`, `${samples[1].id}#1`]);
    assert.deepEqual(dataset.skipped.map((s) => s.source), [samples[2].id]);
    assert.match(dataset.skipped[0].reason, /1\.00 s, shorter than one 2 s window/);
    const spec = dataset.preprocessing?.motion as MotionSpec;
    assert.equal(spec.normalization?.mean.length, 6);
    const windows = recordings.flatMap((recording) => motionWindows(parseMotionRecording(recording), spec));
    windows.forEach((window, i) => assertClose(row(dataset.x, i, 600), window));
  });

  test('text: vocabulary learned from the samples; each row is encodeText with it; texts without words are skipped', async () => {
    const texts = ['Win a FREE prize now', 'lunch at noon?', 'free free prize', 'see you at lunch'];
    const samples = [await sampleOf('a', texts[0]), await sampleOf('b', texts[1]), await sampleOf('a', '!!! ???'), await sampleOf('a', texts[2]), await sampleOf('b', texts[3])];
    const dataset = await buildDataset(project({ modality: 'text', settings: { text: { seqLength: 8 } } }), samples, readBlob);
    const text = dataset.preprocessing?.text;
    assert.ok(text);
    assert.deepEqual([dataset.kind, dataset.shape, text.seqLength, text.vocabulary.slice(0, 5)], ['text', [8], 8, ['<PAD>', '<START>', '<UNKNOWN>', 'free', 'at']]);
    assert.deepEqual(text.charNgrams, DEFAULT_TEXT_SPEC.charNgrams);
    texts.forEach((t, i) => assert.deepEqual(row(dataset.x, i, 8), Float32Array.from(encodeText(t, text.vocabulary, 8, text.charNgrams))));
    assert.deepEqual(dataset.skipped, [{ source: samples[2].id, reason: 'The text has no words' }]);
  });

  test('tabular: standard scaling fitted on the rows; a row of the wrong width is skipped', async () => {
    const rows = [[1, 100, 0.5], [3, 300, 0.5], [2, 250, 0.5]];
    const samples = [...await Promise.all(rows.map((r, i) => sampleOf(i === 1 ? 'b' : 'a', JSON.stringify({ features: r })))), await sampleOf('b', '{"features":[1,2]}')];
    const dataset = await buildDataset(project({ modality: 'tabular', featureNames: ['x', 'y', 'z'] }), samples, readBlob);
    assert.deepEqual([dataset.kind, dataset.shape, dataset.featureNames, [...dataset.targets]], ['tabular', [3], ['x', 'y', 'z'], [0, 1, 0]]);
    assert.deepEqual(dataset.featureScaling?.mean, [2, 650 / 3, 0.5]);
    assert.equal(dataset.featureScaling?.std[2], 1, 'a constant column is centred, not divided by 0');
    rows.forEach((r, i) => assertClose(row(dataset.x, i, 3), scaleFeatures(r, dataset.featureScaling!)));
    assert.deepEqual(dataset.skipped, [{ source: samples[3].id, reason: 'The row is not 3 finite numbers' }]);
  });

  test('a label left without usable samples fails the build with the reason; anomaly needs only "normal"', async () => {
    const good = await sampleOf('a', JSON.stringify({ features: [1] }));
    const broken = await sampleOf('b', '{"features":["x"]}');
    await assert.rejects(buildDataset(project({ modality: 'tabular', featureNames: ['x'] }), [good, broken], readBlob),
      new RegExp(`No usable tabular samples for label\\(s\\) b\\. 1 sample\\(s\\) could not be used, e\\.g\\. ${broken.id}: The row is not 1 finite numbers\\.`));
    const normal = await sampleOf('normal', motionBytes(motionRecording(1, 3)));
    const anomaly = await buildDataset(project({ modality: 'motion', task: 'anomaly', labels: ['normal', 'fault'] }), [normal], readBlob);
    assert.deepEqual([anomaly.labels, [...anomaly.targets]], [['normal', 'fault'], [0, 0]]);
    await assert.rejects(buildDataset(project({ modality: 'motion', task: 'anomaly', labels: ['normal', 'fault'] }), [], readBlob), /for label\(s\) normal\./);
  });

  test('an aborted signal stops the build', async () => {
    const samples = [await sampleOf('a', wavTone(300, 1)), await sampleOf('b', wavTone(600, 1))];
    const abort = new AbortController();
    abort.abort();
    await assert.rejects(buildDataset(project({ modality: 'audio' }), samples, readBlob, { signal: abort.signal }), { name: 'AbortError' });
  });
});

test('image captures in separate sessions are grouped by session for the splits; one burst per label is not grouped', async () => {
  const minutes = (m: number) => new Date(Date.UTC(2026, 0, 1) + m * 60_000).toISOString();
  const photos: Sample[] = [];
  for (const [label, starts] of [['a', [0, 10, 20]], ['b', [5, 15, 25]]] as const) {
    for (const start of starts) for (let k = 0; k < 2; k++) photos.push({ ...(await sampleOf(label, await jpegOf([start * 9, 40 * k, 90], start + k))), createdAt: minutes(start + k * 0.2) });
  }
  const grouped = await buildDataset(project({ modality: 'image' }), photos, readBlob);
  assert.deepEqual(grouped.groupedBy, { by: 'session', gapSeconds: 120 });
  assert.equal(new Set(grouped.groups).size, 6, 'three sessions per label');
  assert.equal(grouped.groups![0], grouped.groups![1], 'a burst is one session');
  const burst = await buildDataset(project({ modality: 'image' }), photos.map((p, i) => ({ ...p, createdAt: minutes(i * 0.1) })), readBlob);
  assert.deepEqual([burst.groups, burst.groupedBy], [undefined, undefined]);
});
