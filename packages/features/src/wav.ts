/**
 * WAV (RIFF/WAVE) reading and writing, shared by the server (uploaded clips) and the phone (recorded clips).
 * Reads PCM 8/16/24/32-bit integer and 32/64-bit float, plain or WAVE_FORMAT_EXTENSIBLE; writes 16-bit PCM mono.
 */

export interface DecodedAudio {
  sampleRate: number;
  /** Channels in the file; `samples` is their average. */
  channels: number;
  /** Mono mix, nominally in [-1, 1]. */
  samples: Float32Array;
}

const PCM = 1;
const IEEE_FLOAT = 3;
const EXTENSIBLE = 0xfffe;

function fourCC(view: DataView, offset: number): string {
  return String.fromCharCode(view.getUint8(offset), view.getUint8(offset + 1), view.getUint8(offset + 2), view.getUint8(offset + 3));
}

interface WavFormat {
  codec: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  blockAlign: number;
}

function readFormat(view: DataView, offset: number, size: number): WavFormat {
  if (size < 16) throw new Error(`WAV "fmt " chunk is ${size} bytes, expected at least 16`);
  let codec = view.getUint16(offset, true);
  const format = {
    codec,
    channels: view.getUint16(offset + 2, true),
    sampleRate: view.getUint32(offset + 4, true),
    blockAlign: view.getUint16(offset + 12, true),
    bitsPerSample: view.getUint16(offset + 14, true),
  };
  // WAVE_FORMAT_EXTENSIBLE keeps the real codec in the first two bytes of its sub-format GUID.
  if (codec === EXTENSIBLE) {
    if (size < 40) throw new Error(`WAV extensible "fmt " chunk is ${size} bytes, expected 40`);
    codec = view.getUint16(offset + 24, true);
    format.codec = codec;
  }
  return format;
}

function sampleReader(view: DataView, format: WavFormat): (offset: number) => number {
  const { codec, bitsPerSample } = format;
  if (codec === PCM) {
    if (bitsPerSample === 8) return (o) => (view.getUint8(o) - 128) / 128;
    if (bitsPerSample === 16) return (o) => view.getInt16(o, true) / 32768;
    if (bitsPerSample === 24) return (o) => ((view.getUint8(o) | (view.getUint8(o + 1) << 8) | (view.getInt8(o + 2) << 16))) / 8388608;
    if (bitsPerSample === 32) return (o) => view.getInt32(o, true) / 2147483648;
  } else if (codec === IEEE_FLOAT) {
    if (bitsPerSample === 32) return (o) => view.getFloat32(o, true);
    if (bitsPerSample === 64) return (o) => view.getFloat64(o, true);
  } else {
    throw new Error(`Unsupported WAV codec 0x${codec.toString(16).padStart(4, '0')}: only PCM (1) and IEEE float (3) are read; convert the file to PCM WAV`);
  }
  throw new Error(`Unsupported WAV sample size: ${bitsPerSample}-bit ${codec === PCM ? 'PCM' : 'float'} (read: PCM 8/16/24/32, float 32/64)`);
}

/** The mono mix of a WAV file's samples. Throws an Error naming what is wrong for anything else. */
export function decodeWav(bytes: Uint8Array): DecodedAudio {
  if (bytes.length < 12) throw new Error(`Not a WAV file: ${bytes.length} bytes is shorter than a RIFF header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (fourCC(view, 0) !== 'RIFF' || fourCC(view, 8) !== 'WAVE') throw new Error('Not a WAV file: it does not start with "RIFF....WAVE"');
  let format: WavFormat | undefined;
  let data: { offset: number; size: number } | undefined;
  // Walk the chunks: "fmt " and "data" may be separated by LIST, fact, bext... which we skip.
  for (let offset = 12; offset + 8 <= bytes.length;) {
    const id = fourCC(view, offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (body + size > bytes.length) throw new Error('Truncated WAV file: the "fmt " chunk runs past the end');
      format = readFormat(view, body, size);
    } else if (id === 'data') {
      if (body + size > bytes.length) throw new Error(`Truncated WAV file: the data chunk declares ${size} bytes but only ${bytes.length - body} follow`);
      data = { offset: body, size };
      if (format) break;
    }
    offset = body + size + (size % 2); // chunks are padded to even sizes
  }
  if (!format) throw new Error('Invalid WAV file: no "fmt " chunk');
  if (!data) throw new Error('Invalid WAV file: no "data" chunk');
  const { channels, sampleRate, bitsPerSample } = format;
  if (channels < 1) throw new Error('Invalid WAV file: 0 channels');
  if (sampleRate < 1) throw new Error('Invalid WAV file: sample rate 0');
  const read = sampleReader(view, format);
  const bytesPerSample = bitsPerSample / 8;
  const frameBytes = Math.max(format.blockAlign, bytesPerSample * channels);
  const frames = Math.floor(data.size / frameBytes);
  const samples = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    const base = data.offset + f * frameBytes;
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += read(base + c * bytesPerSample);
    samples[f] = sum / channels;
  }
  return { sampleRate, channels, samples };
}

/** 16-bit PCM mono WAV bytes (what the phone uploads); samples are clipped to [-1, 1]. */
export function encodeWav(samples: ArrayLike<number>, sampleRate: number): Uint8Array {
  if (!Number.isInteger(sampleRate) || sampleRate < 1) throw new Error(`encodeWav: sample rate must be a positive integer, got ${sampleRate}`);
  const dataBytes = samples.length * 2;
  const bytes = new Uint8Array(44 + dataBytes);
  const view = new DataView(bytes.buffer);
  const ascii = (offset: number, text: string) => { for (let i = 0; i < 4; i++) view.setUint8(offset + i, text.charCodeAt(i)); };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, PCM, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  for (let i = 0; i < samples.length; i++) {
    // Same scale as decodeWav (/32768), so decode(encode(x)) returns x rounded to 1/32768.
    const value = Math.round(Math.max(-1, Math.min(1, samples[i])) * 32768);
    view.setInt16(44 + i * 2, Math.max(-32768, Math.min(32767, value)), true);
  }
  return bytes;
}
