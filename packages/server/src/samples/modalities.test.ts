import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { startTestServer, type TestServer } from '../test-server.ts';
import { motionBytes, motionRecording, wavTone } from './test-samples.ts';

let t: TestServer;
before(async () => { t = await startTestServer(); });
after(async () => { await t.stop(); });

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
async function json(response: Response): Promise<{ status: number; body: any }> {
  return { status: response.status, body: await response.json() };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function createProject(fields: Record<string, unknown>): Promise<{ id: string }> {
  const { status, body } = await json(await t.api('/projects', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'm', ...fields }) }));
  assert.equal(status, 201, JSON.stringify(body));
  return body;
}

function upload(projectId: string, label: string, body: Uint8Array | string, type: string, headers: Record<string, string> = {}) {
  return t.api(`/projects/${projectId}/samples?label=${encodeURIComponent(label)}`, { method: 'POST', headers: { 'content-type': type, ...headers }, body });
}

async function counts(projectId: string): Promise<Record<string, number>> {
  return (await json(await t.api(`/projects/${projectId}`))).body.sampleCounts;
}

/** A 16-bit PCM WAV with any channel count (blockAlign wraps past 65535, as a hostile header's would). */
function pcm16Wav(channels: number, frames: number, sampleRate: number): Uint8Array {
  const dataBytes = channels * 2 * frames;
  const bytes = new Uint8Array(44 + dataBytes);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode('RIFF'), 0);
  view.setUint32(4, 36 + dataBytes, true);
  bytes.set(new TextEncoder().encode('WAVEfmt '), 8);
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, (sampleRate * channels * 2) >>> 0, true);
  view.setUint16(32, (channels * 2) & 0xffff, true);
  view.setUint16(34, 16, true);
  bytes.set(new TextEncoder().encode('data'), 36);
  view.setUint32(40, dataBytes, true);
  for (let i = 0; i < channels * frames; i++) view.setInt16(44 + 2 * i, Math.round(8000 * Math.sin(i / 7)), true);
  return bytes;
}

type Case = [name: string, request: () => Promise<Response>, status: number, code: string, message: RegExp];

/** Runs each refusal case, then proves that the samples stored before are all still there. */
async function assertRefusals(projectId: string, cases: Case[]) {
  const before = await counts(projectId);
  const listed = (await json(await t.api(`/projects/${projectId}/samples`))).body.samples;
  for (const [name, request, status, code, message] of cases) {
    const response = await json(await request());
    assert.equal(response.status, status, `${name}: ${JSON.stringify(response.body)}`);
    assert.equal(response.body.error.code, code, name);
    assert.match(response.body.error.message, message, name);
  }
  assert.deepEqual(await counts(projectId), before);
  assert.deepEqual((await json(await t.api(`/projects/${projectId}/samples`))).body.samples, listed);
}

describe('audio projects', () => {
  test('a WAV clip is stored with its rate and duration; a retry is a duplicate', async () => {
    const project = await createProject({ labels: ['yes', 'no'], modality: 'audio' });
    const wav = wavTone(440, 1.5, 16000);
    const first = await json(await upload(project.id, 'yes', wav, 'audio/wav', { 'idempotency-key': 'a1', 'x-checksum-sha256': sha256(wav) }));
    assert.equal(first.status, 201);
    assert.deepEqual([first.body.duplicate, first.body.sample.mediaType, first.body.sample.meta, first.body.sample.sha256, first.body.sample.width],
      [false, 'audio/wav', { sampleRate: 16000, durationSeconds: 1.5 }, sha256(wav), undefined]);
    const again = await json(await upload(project.id, 'yes', gzipSync(wav), 'audio/x-wav', { 'content-encoding': 'gzip' }));
    assert.deepEqual([again.status, again.body.duplicate, again.body.sample.id], [201, true, first.body.sample.id]);
    const stereo44k = await json(await upload(project.id, 'no', wavTone(880, 0.5, 44100), 'audio/wav'));
    assert.deepEqual(stereo44k.body.sample.meta, { sampleRate: 44100, durationSeconds: 0.5 });
    assert.deepEqual(await counts(project.id), { yes: 1, no: 1 });
  });

  test('bad clips get a clear 4xx and nothing stored is lost', async () => {
    const project = await createProject({ labels: ['yes', 'no'], modality: 'audio' });
    assert.equal((await upload(project.id, 'no', wavTone(300, 1), 'audio/wav')).status, 201);
    const wav = wavTone(500, 1);
    await assertRefusals(project.id, [
      ['corrupt WAV', () => upload(project.id, 'yes', new TextEncoder().encode('RIFF....WAVEnot really a wav file'), 'audio/wav'), 400, 'OFFGRID_ERR_BAD_AUDIO', /not a readable WAV clip/],
      ['not a WAV', () => upload(project.id, 'yes', new Uint8Array(1000).fill(7), 'audio/wav'), 400, 'OFFGRID_ERR_BAD_AUDIO', /Not a WAV file/],
      ['truncated WAV', () => upload(project.id, 'yes', wav.subarray(0, wav.length / 2), 'audio/wav'), 400, 'OFFGRID_ERR_BAD_AUDIO', /Truncated WAV file/],
      ['96 kHz WAV', () => upload(project.id, 'yes', wavTone(500, 0.5, 96000), 'audio/wav'), 400, 'OFFGRID_ERR_BAD_AUDIO', /96000 Hz; 8–48 kHz is accepted/],
      ['60 s WAV', () => upload(project.id, 'yes', wavTone(500, 60, 8000), 'audio/wav'), 400, 'OFFGRID_ERR_BAD_AUDIO', /60\.0 s long; at most 10 s/],
      ['over the byte cap', () => upload(project.id, 'yes', new Uint8Array(9 * 1024 * 1024), 'audio/wav'), 413, 'OFFGRID_ERR_TOO_LARGE', /Audio clips are limited to 8 MiB/],
      ['an image', () => upload(project.id, 'yes', wav, 'image/jpeg'), 415, 'OFFGRID_ERR_UNSUPPORTED_MEDIA_TYPE', /This audio project takes Content-Type audio\/wav, multipart\/form-data \(many files\); got image\/jpeg/],
      ['CSV', () => upload(project.id, 'yes', 'label\nyes\n', 'text/csv'), 415, 'OFFGRID_ERR_UNSUPPORTED_MEDIA_TYPE', /takes Content-Type audio\/wav/],
      ['unknown label', () => upload(project.id, 'maybe', wav, 'audio/wav'), 400, 'OFFGRID_ERR_UNKNOWN_LABEL', /\(yes, no\)/],
      ['checksum mismatch', () => upload(project.id, 'yes', wav, 'audio/wav', { 'x-checksum-sha256': '0'.repeat(64) }), 400, 'OFFGRID_ERR_CHECKSUM_MISMATCH', /nothing was stored/],
    ]);
  });

  test('a clip with too many channels or shorter than one spectrogram frame is refused', async () => {
    const project = await createProject({ labels: ['yes', 'no'], modality: 'audio' });
    assert.equal((await upload(project.id, 'no', wavTone(300, 1), 'audio/wav')).status, 201);
    const refused = (message: string) => ({ status: 400, body: { error: { code: 'OFFGRID_ERR_BAD_AUDIO', message } } });
    const cases: [string, Uint8Array, unknown][] = [
      // 65,535 channels of 16-bit PCM: 32 frames are 4 MiB of data, which used to be stored as a 2 ms clip.
      ['65,535 channels', pcm16Wav(65535, 32, 16000), refused('The clip has 65535 channels; at most 8 are accepted. Export it as mono or stereo.')],
      ['9 channels', pcm16Wav(9, 16000, 16000), refused('The clip has 9 channels; at most 8 are accepted. Export it as mono or stereo.')],
      ['2 ms', wavTone(440, 0.002, 16000), refused('The clip is 0.002 s long; at least 0.025 s (one 25 ms spectrogram frame) is needed. Record a longer clip.')],
      ['20 ms at 8 kHz', wavTone(440, 0.02, 8000), refused('The clip is 0.02 s long; at least 0.025 s (one 25 ms spectrogram frame) is needed. Record a longer clip.')],
    ];
    const before = (await json(await t.api(`/projects/${project.id}/samples`))).body.samples;
    for (const [name, wav, answer] of cases) assert.deepEqual(await json(await upload(project.id, 'yes', wav, 'audio/wav')), answer, name);
    assert.deepEqual((await json(await t.api(`/projects/${project.id}/samples`))).body.samples, before);
    // The limits themselves are accepted: 8 channels, one frame (25 ms).
    assert.equal((await upload(project.id, 'yes', pcm16Wav(8, 16000, 16000), 'audio/wav')).status, 201);
    assert.equal((await upload(project.id, 'yes', wavTone(440, 0.025, 16000), 'audio/wav')).status, 201);
    assert.deepEqual(await counts(project.id), { yes: 2, no: 1 });
  });

  test('a multipart batch of clips reports one result per file', async () => {
    const project = await createProject({ labels: ['yes', 'no'], modality: 'audio' });
    const form = new FormData();
    form.append('yes', new Blob([wavTone(200, 1, 8000)], { type: 'audio/wav' }), 'a.wav');
    form.append('no', new Blob([wavTone(200, 1, 96000)], { type: 'audio/wav' }), 'fast.wav');
    form.append('no', new Blob([wavTone(900, 1, 48000)], { type: 'audio/wav' }), 'b.wav');
    const { status, body } = await json(await t.api(`/projects/${project.id}/samples`, { method: 'POST', body: form }));
    assert.equal(status, 200);
    assert.deepEqual(body.results.map((r: { filename: string; ok: boolean; error?: { code: string } }) => [r.filename, r.ok, r.error?.code]),
      [['a.wav', true, undefined], ['fast.wav', false, 'OFFGRID_ERR_BAD_AUDIO'], ['b.wav', true, undefined]]);
    assert.deepEqual(await counts(project.id), { yes: 1, no: 1 });
  });
});

describe('motion projects', () => {
  test('a recording is stored with its rate, steps and channels', async () => {
    const project = await createProject({ labels: ['walk', 'run'], modality: 'motion' });
    const bytes = motionBytes(motionRecording(1, 3, { rateHz: 60 }));
    const { status, body } = await json(await upload(project.id, 'walk', bytes, 'application/json'));
    assert.equal(status, 201);
    assert.deepEqual([body.sample.mediaType, body.sample.meta, body.sample.sha256], ['application/json', { rateHz: 60, steps: 180, channels: ['ax', 'ay', 'az', 'gx', 'gy', 'gz'] }, sha256(bytes)]);
    assert.equal((await json(await upload(project.id, 'walk', bytes, 'application/json'))).body.duplicate, true);
  });

  test('bad recordings get a clear 4xx and nothing stored is lost', async () => {
    const project = await createProject({ labels: ['walk', 'run'], modality: 'motion', settings: { motion: { windowSeconds: 1.5, strideSeconds: 0.5 } } });
    assert.equal((await upload(project.id, 'run', motionBytes(motionRecording(3, 4)), 'application/json')).status, 201);
    const withNaN = motionRecording(1, 3);
    withNaN.data[13] = Number.NaN; // JSON.stringify writes null, as a phone's broken sensor value would arrive
    const wrongCount = motionRecording(1, 3);
    wrongCount.data.push(1, 2);
    const post = (body: Uint8Array | string) => upload(project.id, 'walk', body, 'application/json');
    await assertRefusals(project.id, [
      ['NaN in data', () => post(motionBytes(withNaN)), 400, 'OFFGRID_ERR_BAD_MOTION', /"data"\[13\] \(step 2, channel ay\) is not a finite number: null/],
      ['NaN as a bare token', () => post(JSON.stringify(motionRecording(1, 3)).replace('"data":[', '"data":[NaN,')), 400, 'OFFGRID_ERR_BAD_MOTION', /not valid JSON/],
      ['wrong channel count', () => post(motionBytes(wrongCount)), 400, 'OFFGRID_ERR_BAD_MOTION', /902 values, not a multiple of its 6 channels/],
      ['no gyroscope', () => post(motionBytes(motionRecording(1, 3, { channels: ['ax', 'ay', 'az'] }))), 400, 'OFFGRID_ERR_BAD_MOTION', /lacks channel\(s\) gx, gy, gz.*gyroscope/],
      ['unknown channel', () => post(motionBytes(motionRecording(1, 3, { channels: ['ax', 'ay', 'az', 'gx', 'gy', 'zz'] }))), 400, 'OFFGRID_ERR_BAD_MOTION', /unknown channel "zz"/],
      ['shorter than a window', () => post(motionBytes(motionRecording(1, 1))), 400, 'OFFGRID_ERR_BAD_MOTION', /1\.00 s long, shorter than one 1\.5 s window/],
      ['wrong format', () => post(JSON.stringify({ ...motionRecording(1, 3), format: 'v0' })), 400, 'OFFGRID_ERR_BAD_MOTION', /"format" must be "offgrid\.motion\.v1"/],
      ['not JSON', () => post('{"format":'), 400, 'OFFGRID_ERR_BAD_MOTION', /not valid JSON/],
      ['a WAV', () => upload(project.id, 'walk', wavTone(100, 1), 'audio/wav'), 415, 'OFFGRID_ERR_UNSUPPORTED_MEDIA_TYPE', /motion project takes Content-Type application\/json/],
    ]);
  });

  test('values no phone sensor reads, and huge strings, are refused without being echoed in full', async () => {
    const project = await createProject({ labels: ['walk', 'run'], modality: 'motion' });
    assert.equal((await upload(project.id, 'run', motionBytes(motionRecording(3, 4)), 'application/json')).status, 201);
    const withValue = (index: number, value: number) => {
      const recording = motionRecording(1, 3);
      recording.data[index] = value;
      return motionBytes(recording);
    };
    const huge = 'x'.repeat(15 * 1024 * 1024);
    const refused = (message: string) => ({ status: 400, body: { error: { code: 'OFFGRID_ERR_BAD_MOTION', message } } });
    const beyond = (where: string, value: string) => refused(`Motion recording "data"${where} is ${value}, beyond ±10000: accelerometer (m/s²) and gyroscope (rad/s) readings are far smaller. Check the sensor's units.`);
    const cases: [string, Uint8Array | string, unknown][] = [
      ['1e308', withValue(13, 1e308), beyond('[13] (step 2, channel ay)', '1e+308')],
      ['-3.4e38', withValue(0, -3.4e38), beyond('[0] (step 0, channel ax)', '-3.4e+38')],
      ['20000', withValue(5, 20000), beyond('[5] (step 0, channel gz)', '20000')],
      ['a 15 MiB format', JSON.stringify({ ...motionRecording(1, 3), format: huge }), refused(`Motion recording "format" must be "offgrid.motion.v1", got "${'x'.repeat(80)}…".`)],
      ['a 15 MiB channel name', JSON.stringify({ ...motionRecording(1, 3, { channels: ['ax'] }), channels: [huge] }), refused(`Motion recording has an unknown channel "${'x'.repeat(80)}…"; known: ax, ay, az, lx, ly, lz, gx, gy, gz.`)],
      ['a 15 MiB value', JSON.stringify({ ...motionRecording(1, 3), data: [huge, 0, 0, 0, 0, 0] }), refused(`Motion recording "data"[0] (step 0, channel ax) is not a finite number: "${'x'.repeat(80)}…".`)],
    ];
    const before = (await json(await t.api(`/projects/${project.id}/samples`))).body.samples;
    for (const [name, body, answer] of cases) assert.deepEqual(await json(await upload(project.id, 'walk', body, 'application/json')), answer, name);
    assert.deepEqual((await json(await t.api(`/projects/${project.id}/samples`))).body.samples, before);
    assert.equal((await upload(project.id, 'walk', withValue(13, -10000), 'application/json')).status, 201, 'the bound itself is accepted');
  });
});

describe('text projects', () => {
  test('UTF-8 text is stored with its character count; a CSV of text,label gives one result per row', async () => {
    const project = await createProject({ labels: ['spam', 'ham'], modality: 'text' });
    const first = await json(await upload(project.id, 'ham', 'Café at 5? ☕', 'text/plain; charset=utf-8'));
    assert.equal(first.status, 201);
    assert.deepEqual([first.body.sample.mediaType, first.body.sample.meta], ['text/plain; charset=utf-8', { characters: 12 }]);
    const csv = 'id,text,label\n1,"WIN a prize, now!",spam\n2,"   ",ham\n3,"line one\nline two",ham\n4,hello,eggs\n5,"Café at 5? ☕",ham\n';
    const { status, body } = await json(await upload(project.id, 'ignored', csv, 'text/csv'));
    assert.equal(status, 200);
    assert.deepEqual(body.results.map((r: { line: number; ok: boolean; duplicate?: boolean; error?: { code: string; message: string } }) => [r.line, r.ok, r.duplicate, r.error?.code]), [
      [2, true, false, undefined], [3, false, undefined, 'OFFGRID_ERR_BAD_TEXT'], [4, true, false, undefined], [6, false, undefined, 'OFFGRID_ERR_UNKNOWN_LABEL'], [7, true, true, undefined],
    ]);
    assert.match(body.results[1].error.message, /^Line 3: The text is empty/);
    assert.equal(body.results[4].sample.id, first.body.sample.id, 'a CSV row with the same text as a raw upload is the same sample');
    const listed = (await json(await t.api(`/projects/${project.id}/samples?label=ham`))).body.samples;
    const multiLine = listed.find((s: { meta: { characters: number } }) => s.meta.characters === 17);
    assert.ok(multiLine, 'the quoted text with a newline is one sample');
    assert.deepEqual(await counts(project.id), { spam: 1, ham: 2 });
  });

  test('bad texts get a clear 4xx and nothing stored is lost', async () => {
    const project = await createProject({ labels: ['spam', 'ham'], modality: 'text' });
    assert.equal((await upload(project.id, 'spam', 'cheap pills', 'text/plain')).status, 201);
    await assertRefusals(project.id, [
      ['empty', () => upload(project.id, 'ham', '', 'text/plain'), 400, 'OFFGRID_ERR_BAD_TEXT', /The text is empty/],
      ['blank', () => upload(project.id, 'ham', ' \n\t ', 'text/plain'), 400, 'OFFGRID_ERR_BAD_TEXT', /blank/],
      ['invalid UTF-8', () => upload(project.id, 'ham', new Uint8Array([0x68, 0x69, 0xff, 0xfe, 0x21]), 'text/plain'), 400, 'OFFGRID_ERR_BAD_TEXT', /not valid UTF-8/],
      ['too long', () => upload(project.id, 'ham', 'é'.repeat(5001), 'text/plain'), 400, 'OFFGRID_ERR_BAD_TEXT', /5001 characters; at most 5000/],
      ['Latin-1 charset', () => upload(project.id, 'ham', 'hi', 'text/plain; charset=iso-8859-1'), 415, 'OFFGRID_ERR_UNSUPPORTED_MEDIA_TYPE', /must be UTF-8/],
      ['JSON', () => upload(project.id, 'ham', '{"text":"hi"}', 'application/json'), 415, 'OFFGRID_ERR_UNSUPPORTED_MEDIA_TYPE', /text project takes Content-Type text\/plain, text\/csv \(many rows\)/],
      ['CSV without a text column', () => upload(project.id, 'ham', 'body,label\nhi,ham\n', 'text/csv'), 400, 'OFFGRID_ERR_VALIDATION', /needs a "text" column/],
    ]);
  });
});

describe('tabular projects', () => {
  const fields = { labels: ['ok', 'worn'], modality: 'tabular', featureNames: ['temp', 'rpm', 'vibration'] };

  test('a JSON row is stored canonically; a CSV stores its good rows and reports bad ones by line', async () => {
    const project = await createProject(fields);
    const row = await json(await upload(project.id, 'ok', '{ "features": [21.5, 1200, 0.02] }', 'application/json'));
    assert.equal(row.status, 201);
    const canonical = new TextEncoder().encode('{"features":[21.5,1200,0.02]}');
    assert.deepEqual([row.body.sample.mediaType, row.body.sample.meta, row.body.sample.sha256], ['application/json', {}, sha256(canonical)]);
    // Columns by name in any order; the first row repeats the JSON row above.
    const csv = 'rpm,label,vibration,temp\n1200,ok,0.02,21.5\n1300,worn,0.9,30\n1250,worn,abc,22\n1100,ok,0.1\n,ok,0.1,20\n1400,broken,0.5,25\n900,ok,0.01,19\n';
    const { status, body } = await json(await upload(project.id, 'x', csv, 'text/csv; charset=utf-8'));
    assert.equal(status, 200);
    assert.deepEqual(body.results.map((r: { line: number; ok: boolean; duplicate?: boolean; label: string; error?: { code: string } }) => [r.line, r.ok, r.label, r.duplicate, r.error?.code]), [
      [2, true, 'ok', true, undefined], [3, true, 'worn', false, undefined], [4, false, 'worn', undefined, 'OFFGRID_ERR_BAD_ROW'], [5, false, 'ok', undefined, 'OFFGRID_ERR_BAD_ROW'],
      [6, false, 'ok', undefined, 'OFFGRID_ERR_BAD_ROW'], [7, false, 'broken', undefined, 'OFFGRID_ERR_UNKNOWN_LABEL'], [8, true, 'ok', false, undefined],
    ]);
    assert.deepEqual(body.results.slice(2, 5).map((r: { error: { message: string } }) => r.error.message), [
      'Line 4: Column "vibration" is "abc", not a finite number.', 'Line 5: The row has 3 cells; the header has 4.', 'Line 6: Column "rpm" is "", not a finite number.',
    ]);
    assert.equal(body.results[0].sample.id, row.body.sample.id);
    assert.deepEqual(await counts(project.id), { ok: 2, worn: 1 });
    // A retried file with the same idempotency key stores nothing new.
    const retried = await json(await upload(project.id, 'x', csv, 'text/csv', { 'idempotency-key': 'batch-1' }));
    assert.deepEqual(retried.body.results.filter((r: { ok: boolean }) => r.ok).map((r: { duplicate: boolean }) => r.duplicate), [true, true, true]);
    assert.deepEqual(await counts(project.id), { ok: 2, worn: 1 });
  });

  test('bad rows get a clear 4xx and nothing stored is lost', async () => {
    const project = await createProject(fields);
    assert.equal((await upload(project.id, 'worn', '{"features":[1,2,3]}', 'application/json')).status, 201);
    const post = (body: string) => upload(project.id, 'ok', body, 'application/json');
    await assertRefusals(project.id, [
      ['too few columns', () => post('{"features":[1,2]}'), 400, 'OFFGRID_ERR_BAD_ROW', /The row has 2 value\(s\); this project has 3 feature column\(s\): temp, rpm, vibration/],
      ['too many columns', () => post('{"features":[1,2,3,4]}'), 400, 'OFFGRID_ERR_BAD_ROW', /has 4 value\(s\)/],
      ['non-numeric', () => post('{"features":[1,"fast",3]}'), 400, 'OFFGRID_ERR_BAD_ROW', /Column "rpm" is "fast", not a finite number/],
      ['null', () => post('{"features":[1,2,null]}'), 400, 'OFFGRID_ERR_BAD_ROW', /Column "vibration" is null/],
      ['not an object', () => post('[1,2,3]'), 400, 'OFFGRID_ERR_BAD_ROW', /\{"features": \[\.\.\.\]\}/],
      ['not JSON', () => post('1,2,3'), 400, 'OFFGRID_ERR_BAD_ROW', /not valid JSON/],
      ['CSV with a missing column', () => upload(project.id, 'ok', 'temp,rpm,label\n1,2,ok\n', 'text/csv'), 400, 'OFFGRID_ERR_VALIDATION', /lacks the feature column\(s\) vibration/],
      ['CSV with an extra column', () => upload(project.id, 'ok', 'temp,rpm,vibration,humidity,label\n1,2,3,4,ok\n', 'text/csv'), 400, 'OFFGRID_ERR_VALIDATION', /humidity that are not features/],
      ['CSV without labels', () => upload(project.id, 'ok', 'temp,rpm,vibration\n1,2,3\n', 'text/csv'), 400, 'OFFGRID_ERR_VALIDATION', /needs a "label" column/],
      ['CSV damaged on the way', () => upload(project.id, 'ok', 'temp,rpm,vibration,label\n1,2,3,ok\n', 'text/csv', { 'x-checksum-sha256': 'ab'.repeat(32) }), 400, 'OFFGRID_ERR_CHECKSUM_MISMATCH', /nothing was stored/],
      ['plain text', () => upload(project.id, 'ok', '1,2,3', 'text/plain'), 415, 'OFFGRID_ERR_UNSUPPORTED_MEDIA_TYPE', /tabular project takes Content-Type application\/json, text\/csv \(many rows\)/],
    ]);
  });
});

describe('tabular numbers and echoed values', () => {
  const fields = { labels: ['ok', 'worn'], modality: 'tabular', featureNames: ['temp', 'rpm', 'vibration'] };
  const csvUpload = (projectId: string, csv: string) => upload(projectId, 'x', csv, 'text/csv');
  const canonical = (features: number[]) => sha256(new TextEncoder().encode(JSON.stringify({ features })));

  test('only decimal numbers are numbers: hex, binary and octal cells are refused with their decimal value', async () => {
    const project = await createProject(fields);
    assert.equal((await upload(project.id, 'worn', '{"features":[1,2,3]}', 'application/json')).status, 201);
    const csv = 'temp,rpm,vibration,label\n0x10,1,2,ok\n1,0b101,2,ok\n1,2,0o7,ok\n1,2,Infinity,ok\n-1.5e3,+2,.5,ok\n 1e-3 ,2.,1E+2,worn\n';
    const { status, body } = await json(await csvUpload(project.id, csv));
    assert.equal(status, 200);
    const decimalOnly = (line: number, column: string, cell: string, value: number) =>
      ({ ok: false, line, label: 'ok', error: { code: 'OFFGRID_ERR_BAD_ROW', message: `Line ${line}: Column "${column}" is "${cell}": only decimal numbers like -1.5e3 are accepted; write it as ${value}.` } });
    assert.deepEqual(body.results.map((r: { ok: boolean; line: number; sample: { sha256: string } }) => (r.ok ? [r.line, r.sample.sha256] : r)), [
      decimalOnly(2, 'temp', '0x10', 16), decimalOnly(3, 'rpm', '0b101', 5), decimalOnly(4, 'vibration', '0o7', 7),
      { ok: false, line: 5, label: 'ok', error: { code: 'OFFGRID_ERR_BAD_ROW', message: 'Line 5: Column "vibration" is "Infinity", not a finite number.' } },
      [6, canonical([-1500, 2, 0.5])], [7, canonical([0.001, 2, 100])],
    ]);
    assert.deepEqual(await json(await upload(project.id, 'ok', '{"features":["0x10",2,3]}', 'application/json')), {
      status: 400, body: { error: { code: 'OFFGRID_ERR_BAD_ROW', message: 'Column "temp" is "0x10": only decimal numbers like -1.5e3 are accepted; write it as 16.' } },
    });
    assert.deepEqual(await counts(project.id), { ok: 1, worn: 2 });
  });

  test('a huge cell, label or column name is echoed as its first 80 characters', async () => {
    const project = await createProject(fields);
    assert.equal((await upload(project.id, 'worn', '{"features":[1,2,3]}', 'application/json')).status, 201);
    const listed = (await json(await t.api(`/projects/${project.id}/samples`))).body.samples;
    const huge = 'x'.repeat(15 * 1024 * 1024);
    const shown = `${'x'.repeat(80)}…`;
    const cell = await json(await csvUpload(project.id, `temp,rpm,vibration,label\n${huge},1,2,ok\n`));
    assert.deepEqual(cell, { status: 200, body: { results: [{ ok: false, line: 2, label: 'ok', error: { code: 'OFFGRID_ERR_BAD_ROW', message: `Line 2: Column "temp" is "${shown}", not a finite number.` } }] } });
    const label = await json(await csvUpload(project.id, `temp,rpm,vibration,label\n1,2,3,${huge}\n`));
    assert.deepEqual(label, { status: 200, body: { results: [{ ok: false, line: 2, label: shown, error: { code: 'OFFGRID_ERR_VALIDATION', message: `The label ("${shown}") has ${huge.length} characters; a label has at most 64: shorten it.` } }] } });
    assert.deepEqual(await json(await csvUpload(project.id, `temp,rpm,vibration,label,${huge}\n1,2,3,ok,4\n`)), {
      status: 400, body: { error: { code: 'OFFGRID_ERR_VALIDATION', message: `The CSV has column(s) ${shown} that are not features of this project (temp, rpm, vibration); remove them.` } },
    });
    const manyColumns = Array.from({ length: 20 }, (_, i) => `c${i}`).join(',');
    assert.deepEqual(await json(await csvUpload(project.id, `${huge},${manyColumns}\n1\n`)), {
      status: 400, body: { error: { code: 'OFFGRID_ERR_VALIDATION', message: `The CSV header needs a "label" column; its columns are: ${shown}, c0, c1, c2, c3, c4, c5, c6, c7, c8, … (11 more).` } },
    });
    assert.deepEqual(await json(await upload(project.id, 'ok', `{"features":["${'x'.repeat(900 * 1024)}",2,3]}`, 'application/json')), {
      status: 400, body: { error: { code: 'OFFGRID_ERR_BAD_ROW', message: `Column "temp" is "${shown}", not a finite number.` } },
    });
    assert.deepEqual((await json(await t.api(`/projects/${project.id}/samples`))).body.samples, listed);
  });
});

describe('image projects (the default) are unchanged', () => {
  test('a JSON body on an image project is refused with the expected types', async () => {
    const project = await createProject({ labels: ['cat', 'dog'] });
    const answer = await json(await upload(project.id, 'cat', '{"features":[1]}', 'application/json'));
    assert.deepEqual(answer, { status: 415, body: { error: { code: 'OFFGRID_ERR_UNSUPPORTED_MEDIA_TYPE', message: 'This image project takes Content-Type image/jpeg, image/png, image/webp, multipart/form-data (many files); got application/json.' } } });
  });
});
