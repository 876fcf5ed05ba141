// Audio, end to end in Chromium: record labelled clips from a (fake) microphone → 16 kHz WAVs in the outbox →
// gzipped uploads the server validates and stores → training on the server → live prediction on the phone with
// LiteRT.js on the same log-mel features (@offgrid/features).
//
// The microphone is the one boundary we fake: an init script answers audio-only getUserMedia with a WebAudio
// oscillator stream whose frequency the test sets per label (a low hum vs a high whistle). Everything after it
// (AudioWorklet, resampling, WAV, outbox, server, training, LiteRT.js) is the real thing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { decodeWav, encodeWav } from '@offgrid/features';
import { type TestServer } from '@offgrid/server/testing';
import type { Page } from 'playwright-core';
import { type Phone } from './browser.ts';
import { apiFromPage, loadModelForPrediction, pair, screenshot, startServerAndPhone, textOf, trainOnServer } from './helpers.ts';

/** Label → the tone the fake microphone plays while recording it (Hz). */
const TONES: Record<string, number> = { hum: 300, whistle: 2400 };
const LABELS = Object.keys(TONES);
const CLIPS_PER_LABEL = 6;

// A string, not a function: tsx would wrap a function in a `__name` helper the page lacks.
const FAKE_MICROPHONE = `
  window.fakeMicrophone = { hz: 440, oscillators: [] };
  window.setFakeMicrophoneHz = (hz) => {
    window.fakeMicrophone.hz = hz;
    for (const oscillator of window.fakeMicrophone.oscillators) oscillator.frequency.value = hz;
  };
  // about:blank and other insecure documents have no mediaDevices.
  const realGetUserMedia = navigator.mediaDevices && navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  if (realGetUserMedia) navigator.mediaDevices.getUserMedia = async (constraints) => {
    if (!constraints || !constraints.audio || constraints.video) return realGetUserMedia(constraints);
    const context = new AudioContext({ sampleRate: 48000 });
    const oscillator = context.createOscillator();
    oscillator.frequency.value = window.fakeMicrophone.hz;
    const gain = context.createGain();
    gain.gain.value = 0.4;
    const destination = context.createMediaStreamDestination();
    oscillator.connect(gain).connect(destination);
    oscillator.start();
    await context.resume();
    window.fakeMicrophone.oscillators.push(oscillator);
    return destination.stream;
  };
`;

interface SentSample {
  encoding?: string;
  checksum?: string;
  type?: string;
  label: string;
  body: Buffer | null;
}

let server: TestServer;
let phone: Phone;
let page: Page;
let projectId: string;

before(async () => {
  ({ server, phone } = await startServerAndPhone({ permissions: ['microphone'], extraArgs: ['--autoplay-policy=no-user-gesture-required'] }));
  await phone.context.addInitScript(FAKE_MICROPHONE);
  page = await phone.context.newPage();
  await pair(page, server);
});
after(async () => {
  await phone?.close();
  await server?.stop();
});

/** Zero crossings per second of a clip: 2·f for a pure tone of f Hz. */
function zeroCrossingRate(samples: Float32Array, sampleRate: number): number {
  let crossings = 0;
  for (let i = 1; i < samples.length; i++) if ((samples[i - 1] < 0) !== (samples[i] < 0)) crossings++;
  return (crossings * sampleRate) / samples.length;
}

test('audio: record clips per label → 16 kHz WAVs uploaded gzipped, exactly as recorded', { timeout: 90_000 }, async () => {
  const byId = (id: string) => page.getByTestId(id);
  await byId('project-name-input').fill('Sounds');
  await byId('project-modality-select').selectOption('audio');
  await byId('project-labels-input').fill(LABELS.join(', '));
  await byId('project-form').scrollIntoViewIfNeeded();
  await screenshot(page, 'audio-0-new-project');
  await byId('project-create-button').click();
  await textOf(byId('project-name'), /Sounds/);
  projectId = /#\/projects\/([^/]+)\//.exec(page.url())![1];
  const created = await apiFromPage<{ modality: string; settings?: unknown }>(page, server.adminKey, `/projects/${projectId}`);
  assert.equal(created.modality, 'audio');
  assert.equal(await byId('camera').count(), 0, 'no camera for an audio project');

  const uploads: Promise<SentSample>[] = [];
  page.on('request', (request) => {
    const match = /\/api\/v1\/projects\/[^/]+\/samples\?label=([^&]+)/.exec(request.url());
    if (request.method() !== 'POST' || !match) return;
    uploads.push(request.allHeaders().then((headers) => ({
      encoding: headers['content-encoding'], checksum: headers['x-checksum-sha256'], type: headers['content-type'], label: decodeURIComponent(match[1]), body: request.postDataBuffer(),
    })));
  });

  await byId('audio-mic-button').click();
  await textOf(byId('audio-mic-status'), /^Microphone on \(\d+ Hz; clips are saved at 16000 Hz\)/);
  // The level meter follows the microphone: a 0.4-amplitude sine is about -11 dBFS. The first blocks may be silent
  // or partly so while the oscillator starts, so the meter has a few seconds to settle there.
  const levelOf = () => page.evaluate(() => Number(document.querySelector<HTMLElement>('[data-testid="audio-level"]')?.dataset.db));
  const settled = await page.waitForFunction(() => {
    const db = Number(document.querySelector<HTMLElement>('[data-testid="audio-level"]')?.dataset.db);
    return db > -20 && db < -5;
  }, undefined, { timeout: 5_000 }).then(() => true, () => false);
  const level = await levelOf();
  assert.ok(settled && level > -20 && level < -5, `level ${level} dBFS`);

  for (const label of LABELS) {
    for (let clip = 0; clip < CLIPS_PER_LABEL; clip++) {
      // A little variety per clip (±6 %), as real recordings have.
      await page.evaluate((hz) => (window as unknown as { setFakeMicrophoneHz(hz: number): void }).setFakeMicrophoneHz(hz), TONES[label] * (0.94 + (0.12 * clip) / CLIPS_PER_LABEL));
      const saved = Number((await byId('audio-capture-status').getAttribute('data-saved')) ?? 0);
      await byId(`audio-record-button-${label}`).click();
      if (label === LABELS[0] && clip === 0) {
        await textOf(byId('audio-capture-status'), /Recording “hum”/, 2_000);
        await screenshot(page, 'audio-1-recording');
      }
      await page.waitForFunction((n) => Number(document.querySelector<HTMLElement>('[data-testid="audio-capture-status"]')?.dataset.saved ?? 0) > n, saved, { timeout: 5_000 });
    }
  }
  await textOf(byId('audio-capture-status'), /Saved a 1 s clip of “whistle”/);

  // Every clip reached the server (the outbox drains in the background).
  const deadline = Date.now() + 20_000;
  let counts: Record<string, number> = {};
  while (Date.now() < deadline) {
    ({ sampleCounts: counts } = await apiFromPage<{ sampleCounts: Record<string, number> }>(page, server.adminKey, `/projects/${projectId}`));
    if (LABELS.every((label) => counts[label] === CLIPS_PER_LABEL)) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.deepEqual(counts, Object.fromEntries(LABELS.map((label) => [label, CLIPS_PER_LABEL])));
  await screenshot(page, 'audio-2-capture');

  // On the wire: gzip, audio/wav, the phone's sha256; inside, 1 s of 16 kHz PCM carrying the label's tone.
  const sent = await Promise.all(uploads);
  assert.equal(sent.length, LABELS.length * CLIPS_PER_LABEL);
  const sha256s = sent.map(({ encoding, checksum, type, label, body }) => {
    assert.equal(encoding, 'gzip');
    assert.equal(type, 'audio/wav');
    assert.ok(body);
    const wav = gunzipSync(body);
    const sha256 = createHash('sha256').update(wav).digest('hex');
    assert.equal(checksum, sha256, 'X-Checksum-Sha256 is the sha256 of the recorded WAV');
    const audio = decodeWav(new Uint8Array(wav));
    assert.deepEqual([audio.sampleRate, audio.channels, audio.samples.length], [16000, 1, 16000], 'resampled on the phone to 16 kHz, exactly 1 s, mono');
    const hz = zeroCrossingRate(audio.samples, 16000) / 2;
    assert.ok(Math.abs(hz - TONES[label]) < TONES[label] * 0.1, `a ${label} clip carries ~${TONES[label]} Hz, measured ${hz.toFixed(0)} Hz`);
    return sha256;
  });
  const { samples } = await apiFromPage<{ samples: { sha256: string; mediaType: string; meta: { sampleRate?: number; durationSeconds?: number } }[] }>(page, server.adminKey, `/projects/${projectId}/samples?limit=1000`);
  assert.deepEqual(samples.map((s) => s.sha256).sort(), [...sha256s].sort(), 'the server stored the exact recorded bytes');
  for (const sample of samples) assert.deepEqual([sample.mediaType, sample.meta.sampleRate, sample.meta.durationSeconds], ['audio/wav', 16000, 1]);

  // Existing recordings: a 2.2 s WAV (44.1 kHz) becomes two 1 s clips; a file that is not a WAV is skipped, named.
  // The hum swells, so its two clips differ (identical clips would be one sample: the server stores by content).
  const length = Math.round(2.2 * 44100);
  const recording = encodeWav(Float32Array.from({ length }, (_, n) => (0.1 + (0.3 * n) / length) * Math.sin((2 * Math.PI * TONES.hum * n) / 44100)), 44100);
  await byId('audio-import-label-select').selectOption('hum');
  await byId('audio-import-input').setInputFiles([
    { name: 'fridge.wav', mimeType: 'audio/wav', buffer: Buffer.from(recording) },
    { name: 'notes.wav', mimeType: 'audio/wav', buffer: Buffer.from('not a recording') },
  ]);
  await textOf(byId('audio-import-status'), /^Added 2 clips of 1 s as “hum”\. Skipped: notes\.wav \(Not a WAV file/);
  await textOf(page.locator('[data-testid="capture-count-hum"]'), new RegExp(`^${CLIPS_PER_LABEL + 2}$`));
  const imported = (await Promise.all(uploads)).slice(LABELS.length * CLIPS_PER_LABEL);
  assert.equal(imported.length, 2);
  for (const { type, label, body } of imported) {
    const audio = decodeWav(new Uint8Array(gunzipSync(body!)));
    assert.deepEqual([type, label, audio.sampleRate, audio.samples.length], ['audio/wav', 'hum', 16000, 16000]);
  }
  await byId('audio-import').scrollIntoViewIfNeeded();
  await screenshot(page, 'audio-2b-import');

  // Leaving the Capture tab turns the microphone off (the browser's recording indicator goes away).
  await byId('tab-train').click();
  await textOf(byId('audio-mic-status'), /microphone is off/);
  assert.equal(await page.evaluate(() => (window as unknown as { fakeMicrophone: { oscillators: unknown[] } }).fakeMicrophone.oscillators.length), 1, 'one microphone for all the clips');
  await byId('tab-predict').click();
  await textOf(byId('audio-clip-note'), /^Load a model to listen\.$/);
  assert.equal(await byId('audio-listen-button').isDisabled(), true, 'nothing to listen with before a model is loaded');
  assert.deepEqual(phone.consoleErrors, [], 'no errors in the page console');
});

test('audio: train on the server → live prediction from the microphone follows the tone', { timeout: 150_000 }, async () => {
  assert.ok(projectId, 'the capture test ran first');
  const byId = (id: string) => page.getByTestId(id);
  assert.match(await trainOnServer(page), /Model v1 · val accuracy \d+(\.\d+)?%/);

  await loadModelForPrediction(page);
  await textOf(byId('audio-clip-note'), /Every 0\.5 s the last 1 s of sound is classified \(\d+×40 log-mel at 16000 Hz\)/);

  await byId('audio-listen-button').click();
  await textOf(byId('audio-predict-status'), /^Listening at \d+ Hz/);
  for (const label of [...LABELS, LABELS[0]]) {
    await page.evaluate((hz) => (window as unknown as { setFakeMicrophoneHz(hz: number): void }).setFakeMicrophoneHz(hz), TONES[label]);
    // Two clips later the whole clip is the new tone.
    await textOf(byId('predict-label'), new RegExp(`^${label}$`), 6_000);
  }
  const confidence = Number(/([\d.]+)%/.exec((await byId('predict-confidence').textContent()) ?? '')![1]);
  assert.ok(confidence > 50, `confident on a clean tone: ${confidence}%`);
  await textOf(byId('predict-latency'), /ms$/);
  await textOf(byId('predict-fps'), /^\d/, 5_000);
  await textOf(byId('audio-feature-ms'), / ms$/);
  await screenshot(page, 'audio-3-predict');
  await byId('audio-listen-button').click();
  assert.deepEqual(phone.consoleErrors, [], 'no errors in the page console');
});
