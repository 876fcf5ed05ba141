import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeWav, encodeWav } from '@offgrid/features';
import { clipsFromWav } from './wav-import.ts';

const spec = { sampleRate: 16000, clipSeconds: 1 };
const recording = (seconds: number, rate = 44100) =>
  encodeWav(Float32Array.from({ length: Math.round(seconds * rate) }, (_, n) => 0.3 * Math.sin((2 * Math.PI * 500 * n) / rate)), rate);

test('a long recording becomes consecutive 1 s clips at 16 kHz; a short tail is dropped, a longer one padded', () => {
  for (const [seconds, clips] of [[3.4, 3], [3.6, 4], [1.2, 1], [0.3, 1], [1.6, 2]] as const) {
    const wavs = clipsFromWav(recording(seconds), spec);
    assert.equal(wavs.length, clips, `${seconds} s → ${clips} clips`);
    for (const wav of wavs) {
      const audio = decodeWav(wav);
      assert.deepEqual([audio.sampleRate, audio.samples.length], [16000, 16000]);
    }
  }
  // The second clip of a 3.4 s file is its second second: the same tone, not padding.
  const second = decodeWav(clipsFromWav(recording(3.4), spec)[1]).samples;
  const peak = second.reduce((max, v) => Math.max(max, Math.abs(v)), 0);
  assert.ok(peak > 0.29 && peak < 0.31, `peak ${peak}`);
});

test('refuses what is not a usable recording, saying why', () => {
  assert.throws(() => clipsFromWav(new TextEncoder().encode('hello, not a wav file'), spec), /Not a WAV file/);
  assert.throws(() => clipsFromWav(recording(61, 8000), spec), /61 s long; import at most 60 s per file/);
  assert.throws(() => clipsFromWav(encodeWav(new Float32Array(0), 16000), spec), /the recording is empty/);
});
