import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_AUDIO_SPEC, decodeWav, preprocessAudio, spectrogramShape } from '@offgrid/features';
import type { ModelVersion } from '@offgrid/sdk';
import type { ModalProject } from '../project-fields.ts';
import { captureSpecOf, clipToWav, modelAudioSpec } from './audio-spec.ts';

const project = (settings?: ModalProject['settings']) =>
  ({ id: 'p', name: 'Sounds', labels: ['clap', 'hum'], modality: 'audio', task: 'classify', settings }) as unknown as ModalProject;

const model = (input: unknown) => ({ id: 'm', version: 3, labels: ['clap', 'hum'], input }) as unknown as ModelVersion;

const tone = (hz: number, rate: number, seconds: number) =>
  Float32Array.from({ length: Math.round(rate * seconds) }, (_, n) => 0.5 * Math.sin((2 * Math.PI * hz * n) / rate));

test('capture spec: the project clip length at 16 kHz, 1 s by default, bad lengths named', () => {
  assert.deepEqual(captureSpecOf(project()), { sampleRate: 16000, clipSeconds: 1 });
  assert.deepEqual(captureSpecOf(project({ audio: { clipSeconds: 2 } })), { sampleRate: 16000, clipSeconds: 2 });
  assert.throws(() => captureSpecOf(project({ audio: { clipSeconds: 30 } })), /between 0 and 10 s, got 30/);
});

test('a 48 kHz microphone clip becomes a 16 kHz WAV of exactly the clip length, the same tone', () => {
  const recorded = tone(1000, 48000, 1.02); // a few extra samples: the clip is centre-cropped
  const wav = clipToWav(recorded, 48000, { sampleRate: 16000, clipSeconds: 1 });
  const decoded = decodeWav(wav);
  assert.equal(decoded.sampleRate, 16000);
  assert.equal(decoded.samples.length, 16000);
  // 16-bit PCM of the same 1 kHz tone: compare with the tone generated directly at 16 kHz (phase from the crop).
  const offset = Math.floor((Math.round(48000 * 1.02 / 3) - 16000) / 2);
  const direct = tone(1000, 16000, 1.1).subarray(offset, offset + 16000);
  let worst = 0;
  for (let i = 0; i < 16000; i++) worst = Math.max(worst, Math.abs(decoded.samples[i] - direct[i]));
  assert.ok(worst < 0.02, `max difference ${worst}`);
});

test('the server trains on the features the phone predicts on: upload path vs live path differ by 16-bit rounding only', () => {
  // A recording at the microphone's rate: a tone, a quieter overtone, a little noise.
  const rate = 48000;
  const recorded = Float32Array.from({ length: rate }, (_, n) =>
    0.3 * Math.sin((2 * Math.PI * 700 * n) / rate) + 0.05 * Math.sin((2 * Math.PI * 3100 * n) / rate) + 0.01 * (((n * 7919) % 101) / 50 - 1));
  const spec = { ...DEFAULT_AUDIO_SPEC };
  // Server: the uploaded WAV → decodeWav → preprocessAudio. Phone, predicting: the same samples straight from the ring.
  const trained = preprocessAudio(decodeWav(clipToWav(recorded, rate, { sampleRate: spec.sampleRate, clipSeconds: spec.clipSeconds })), spec);
  const predicted = preprocessAudio({ samples: recorded, sampleRate: rate }, spec);
  const [frames, bands] = spectrogramShape(spec);
  assert.equal(trained.length, frames * bands);
  assert.equal(predicted.length, frames * bands);
  let worst = 0;
  let low = Infinity;
  let high = -Infinity;
  for (let i = 0; i < trained.length; i++) {
    worst = Math.max(worst, Math.abs(trained[i] - predicted[i]));
    low = Math.min(low, predicted[i]);
    high = Math.max(high, predicted[i]);
  }
  assert.ok(high - low > 10, `a spectrogram with contrast (${low.toFixed(1)}..${high.toFixed(1)})`);
  assert.ok(worst < 0.1, `max log-mel difference ${worst}`);
});

test('the model spec comes from model.input.preprocessing.audio, checked', () => {
  const spec = { ...DEFAULT_AUDIO_SPEC, normalization: { mean: -4, std: 3 } };
  assert.deepEqual(modelAudioSpec(model({ kind: 'audio', shape: [98, 40], dtype: 'float32', preprocessing: { audio: spec } })), spec);
  assert.throws(() => modelAudioSpec(model({ kind: 'text', preprocessing: { text: {} } })), /Model v3 has no audio preprocessing/);
  assert.throws(() => modelAudioSpec(model({ width: 128, height: 128 })), /Model v3 has no audio preprocessing/);
  assert.throws(() => modelAudioSpec(model({ kind: 'audio', preprocessing: { audio: { ...spec, fftSize: 300 } } })), /fftSize must be a power of two/);
});
