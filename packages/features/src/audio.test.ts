import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_AUDIO_SPEC, fft, fitClip, logMelSpectrogram, preprocessAudio, resampleLinear, spectrogramShape, type AudioSpec } from './index.ts';

const spec: AudioSpec = { ...DEFAULT_AUDIO_SPEC };
const tone = (hz: number, rate: number, seconds: number, amplitude = 0.5) =>
  Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / rate));

test('fft equals a direct DFT', () => {
  let seed = 3;
  const random = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31 - 0.5; };
  for (const n of [1, 2, 8, 512]) {
    const x = Array.from({ length: n }, random);
    const y = Array.from({ length: n }, random);
    const re = Float64Array.from(x);
    const im = Float64Array.from(y);
    fft(re, im);
    for (let k = 0; k < n; k++) {
      let sr = 0, si = 0;
      for (let t = 0; t < n; t++) {
        const angle = (-2 * Math.PI * k * t) / n;
        sr += x[t] * Math.cos(angle) - y[t] * Math.sin(angle);
        si += x[t] * Math.sin(angle) + y[t] * Math.cos(angle);
      }
      assert.ok(Math.abs(re[k] - sr) < 1e-9 && Math.abs(im[k] - si) < 1e-9, `n=${n} k=${k}`);
    }
  }
  assert.throws(() => fft(new Float64Array(6), new Float64Array(6)), /power of two, got 6/);
});

test('log-mel of one frame equals a reference computed from the definition (DFT, HTK mel in mel units)', () => {
  const small: AudioSpec = { ...spec, clipSeconds: 0.025, melBands: 10 };
  const x = Float32Array.from({ length: 400 }, (_, i) => Math.sin(i * 0.3) * 0.4 + Math.cos(i * 1.7) * 0.2);
  const got = logMelSpectrogram(x, small);
  assert.deepEqual(spectrogramShape(small), [1, 10]);
  assert.equal(got.length, 10);
  // Reference: periodic Hann, 512-point DFT power, triangles over mel(f) = 2595 log10(1 + f/700).
  const mel = (f: number) => 2595 * Math.log10(1 + f / 700);
  const power: number[] = [];
  for (let k = 0; k <= 256; k++) {
    let re = 0, im = 0;
    for (let n = 0; n < 400; n++) {
      const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / 400);
      re += x[n] * w * Math.cos((2 * Math.PI * k * n) / 512);
      im -= x[n] * w * Math.sin((2 * Math.PI * k * n) / 512);
    }
    power.push(re * re + im * im);
  }
  const edges = Array.from({ length: 12 }, (_, i) => mel(20) + ((mel(8000) - mel(20)) * i) / 11);
  for (let m = 0; m < 10; m++) {
    let energy = 0;
    for (let k = 1; k <= 256; k++) {
      const b = mel((k * 16000) / 512);
      energy += power[k] * Math.max(0, Math.min((b - edges[m]) / (edges[m + 1] - edges[m]), (edges[m + 2] - b) / (edges[m + 2] - edges[m + 1])));
    }
    const expected = Math.log(energy + 1e-6);
    assert.ok(Math.abs(got[m] - expected) <= 1e-5 * Math.max(1, Math.abs(expected)), `band ${m}: ${got[m]} vs ${expected}`);
  }
});

test('a 1 kHz tone peaks in the band centred nearest 1 kHz, in every frame; silence is ln(logOffset)', () => {
  const [frames, bands] = spectrogramShape(spec);
  assert.deepEqual([frames, bands], [98, 40]); // 1 + floor((16000 - 400) / 160)
  const started = performance.now();
  const features = logMelSpectrogram(tone(1000, 16000, 1), spec);
  const ms = performance.now() - started;
  console.log(`log-mel of a 1 s clip (98x40): ${ms.toFixed(1)} ms (first call, tables built)`);
  const again = performance.now();
  logMelSpectrogram(tone(1000, 16000, 1), spec);
  console.log(`log-mel of a 1 s clip, cached tables: ${(performance.now() - again).toFixed(1)} ms`);
  // Independently: centres are evenly spaced in HTK mel between fMin and fMax.
  const mel = (f: number) => 2595 * Math.log10(1 + f / 700);
  const centres = Array.from({ length: 40 }, (_, m) => mel(20) + ((mel(8000) - mel(20)) * (m + 1)) / 41);
  const expected = centres.reduce((best, c, m) => (Math.abs(c - mel(1000)) < Math.abs(centres[best] - mel(1000)) ? m : best), 0);
  for (let f = 0; f < frames; f++) {
    const row = features.subarray(f * bands, (f + 1) * bands);
    assert.equal(row.indexOf(Math.max(...row)), expected, `frame ${f}`);
  }
  assert.ok(logMelSpectrogram(new Float32Array(16000), spec).every((v) => v === Math.fround(Math.log(1e-6))));
});

test('doubling the amplitude adds ln 4 to every band of a loud tone', () => {
  const quiet = logMelSpectrogram(tone(440, 16000, 1, 0.2), spec);
  const loud = logMelSpectrogram(tone(440, 16000, 1, 0.4), spec);
  const peak = quiet.indexOf(Math.max(...quiet.subarray(0, 40)));
  assert.ok(Math.abs(loud[peak] - quiet[peak] - Math.log(4)) < 1e-4);
});

test('fitClip pads short clips at the end and centre-crops long ones', () => {
  const s = { sampleRate: 4, clipSeconds: 1 };
  assert.deepEqual([...fitClip([1, 2], s)], [1, 2, 0, 0]);
  assert.deepEqual([...fitClip([1, 2, 3, 4, 5, 6, 7], s)], [2, 3, 4, 5]);
});

test('resampleLinear interpolates, keeps the length ratio, and a 48 kHz tone resampled to 16 kHz is the 16 kHz tone', () => {
  assert.deepEqual([...resampleLinear([0, 1, 2, 3], 2, 4)], [0, 0.5, 1, 1.5, 2, 2.5, 3, 3]);
  assert.deepEqual([...resampleLinear([0, 1, 2, 3, 4, 5], 3, 1)], [0, 3]);
  const down = resampleLinear(tone(440, 48000, 1), 48000, 16000);
  const direct = tone(440, 16000, 1);
  assert.equal(down.length, 16000);
  assert.ok(down.every((v, i) => Math.abs(v - direct[i]) < 1e-6));
  assert.throws(() => resampleLinear([1], 0, 16000), /rates must be > 0/);
});

test('preprocessAudio resamples, fits, and applies the normalization; bad specs are named', () => {
  const normalized = preprocessAudio({ samples: tone(1000, 48000, 1.5), sampleRate: 48000 }, { ...spec, normalization: { mean: -5, std: 2 } });
  const raw = logMelSpectrogram(fitClip(resampleLinear(tone(1000, 48000, 1.5), 48000, 16000), spec), spec);
  assert.equal(normalized.length, 98 * 40);
  assert.ok(normalized.every((v, i) => Math.abs(v - (raw[i] + 5) / 2) < 1e-5));
  assert.throws(() => spectrogramShape({ ...spec, fftSize: 300 }), /fftSize must be a power of two/);
  assert.throws(() => spectrogramShape({ ...spec, fMax: 9000 }), /fMax ≤ sampleRate\/2/);
  assert.throws(() => preprocessAudio({ samples: [], sampleRate: 16000 }, { ...spec, normalization: { mean: 0, std: 0 } }), /normalization needs/);
});
