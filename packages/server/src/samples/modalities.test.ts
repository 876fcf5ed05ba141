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

describe('image projects (the default) are unchanged', () => {
  test('a JSON body on an image project is refused with the expected types', async () => {
    const project = await createProject({ labels: ['cat', 'dog'] });
    const answer = await json(await upload(project.id, 'cat', '{"features":[1]}', 'application/json'));
    assert.deepEqual(answer, { status: 415, body: { error: { code: 'OFFGRID_ERR_UNSUPPORTED_MEDIA_TYPE', message: 'This image project takes Content-Type image/jpeg, image/png, image/webp, multipart/form-data (many files); got application/json.' } } });
  });
});
