import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeWav, encodeWav } from './index.ts';

/** A WAV file built by hand, chunk by chunk, so the reader is tested against bytes it did not write. */
function wavFile(options: { codec?: number; channels?: number; rate?: number; bits: number; frames: number[][]; extraChunks?: [string, Uint8Array][]; extensible?: boolean }): Uint8Array {
  const { codec = 1, channels = options.frames[0]?.length ?? 1, rate = 8000, bits } = options;
  const bytesPerSample = bits / 8;
  const body = new Uint8Array(options.frames.length * channels * bytesPerSample);
  const view = new DataView(body.buffer);
  options.frames.forEach((frame, f) => frame.forEach((value, c) => {
    const o = (f * channels + c) * bytesPerSample;
    if (codec === 3 && bits === 32) view.setFloat32(o, value, true);
    else if (bits === 16) view.setInt16(o, value, true);
    else if (bits === 24) { view.setUint8(o, value & 0xff); view.setUint8(o + 1, (value >> 8) & 0xff); view.setInt8(o + 2, value >> 16); }
    else if (bits === 8) view.setUint8(o, value);
  }));
  const fmt = new Uint8Array(options.extensible ? 40 : 16);
  const fv = new DataView(fmt.buffer);
  fv.setUint16(0, options.extensible ? 0xfffe : codec, true);
  fv.setUint16(2, channels, true);
  fv.setUint32(4, rate, true);
  fv.setUint32(8, rate * channels * bytesPerSample, true);
  fv.setUint16(12, channels * bytesPerSample, true);
  fv.setUint16(14, bits, true);
  if (options.extensible) { fv.setUint16(16, 22, true); fv.setUint16(24, codec, true); }
  const chunks: [string, Uint8Array][] = [['fmt ', fmt], ...(options.extraChunks ?? []), ['data', body]];
  const size = 12 + chunks.reduce((s, [, c]) => s + 8 + c.length + (c.length % 2), 0);
  const out = new Uint8Array(size);
  const ov = new DataView(out.buffer);
  const ascii = (o: number, s: string) => [...s].forEach((ch, i) => ov.setUint8(o + i, ch.charCodeAt(0)));
  ascii(0, 'RIFF'); ov.setUint32(4, size - 8, true); ascii(8, 'WAVE');
  let o = 12;
  for (const [id, chunk] of chunks) {
    ascii(o, id); ov.setUint32(o + 4, chunk.length, true); out.set(chunk, o + 8);
    o += 8 + chunk.length + (chunk.length % 2);
  }
  return out;
}

test('16-bit stereo with a LIST chunk before the data: chunks are walked, channels averaged', () => {
  const list = new TextEncoder().encode('INFOISFT\u0005\0\0\0lavf\0'); // odd length: padded
  const wav = decodeWav(wavFile({ bits: 16, rate: 44100, frames: [[16384, 0], [-32768, -32768], [100, 300]], extraChunks: [['LIST', list]] }));
  assert.equal(wav.sampleRate, 44100);
  assert.equal(wav.channels, 2);
  assert.deepEqual([...wav.samples], [0.25, -1, 200 / 32768].map(Math.fround));
});

test('24-bit PCM, 32-bit float, 8-bit and WAVE_FORMAT_EXTENSIBLE', () => {
  assert.deepEqual([...decodeWav(wavFile({ bits: 24, frames: [[4194304], [-8388608], [-1]] })).samples], [0.5, -1, -1 / 8388608].map(Math.fround));
  assert.deepEqual([...decodeWav(wavFile({ codec: 3, bits: 32, frames: [[0.125], [-0.75]] })).samples], [0.125, -0.75]);
  assert.deepEqual([...decodeWav(wavFile({ bits: 8, frames: [[128], [0], [192]] })).samples], [0, -1, 0.5]);
  assert.deepEqual([...decodeWav(wavFile({ bits: 16, extensible: true, frames: [[8192]] })).samples], [0.25]);
});

test('encodeWav writes 16-bit mono that decodes to the same samples (to 1/32768)', () => {
  const samples = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i / 7) * 0.9);
  samples[3] = 1.5; // clipped
  const bytes = encodeWav(samples, 16000);
  assert.equal(bytes.length, 44 + 2000);
  const wav = decodeWav(bytes);
  assert.equal(wav.sampleRate, 16000);
  assert.equal(wav.channels, 1);
  assert.equal(wav.samples.length, 1000);
  assert.equal(wav.samples[3], 32767 / 32768);
  for (let i = 0; i < 1000; i++) if (i !== 3) assert.ok(Math.abs(wav.samples[i] - samples[i]) <= 0.5 / 32768 + 1e-7, `sample ${i}`);
});

test('bad input names what is wrong', () => {
  assert.throws(() => decodeWav(new Uint8Array(4)), /Not a WAV file: 4 bytes/);
  assert.throws(() => decodeWav(new TextEncoder().encode('ID3\u0003 this is an mp3 file')), /Not a WAV file: it does not start with "RIFF....WAVE"/);
  assert.throws(() => decodeWav(wavFile({ codec: 0x55, bits: 16, frames: [[1]] })), /Unsupported WAV codec 0x0055/);
  assert.throws(() => decodeWav(wavFile({ bits: 12, frames: [] })), /Unsupported WAV sample size: 12-bit PCM/);
  const full = encodeWav(new Float32Array(100), 8000);
  assert.throws(() => decodeWav(full.subarray(0, 120)), /Truncated WAV file: the data chunk declares 200 bytes but only 76 follow/);
  assert.throws(() => decodeWav(full.subarray(0, 36)), /no "data" chunk/);
});
