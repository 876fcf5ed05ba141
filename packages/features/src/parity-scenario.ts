/**
 * Fixed inputs run through every preprocessing path, for e2e/features-parity.test.ts: Node imports this
 * module, the browser runs the same module bundled, and the two results must agree. Not part of the API.
 */
import {
  DEFAULT_AUDIO_SPEC, DEFAULT_IMAGE_SPEC, DEFAULT_MOTION_SPEC, decodeWav, encodeText, encodeWav, fitStandardScaler,
  learnVocabulary, logMelSpectrogram, motionWindows, parseMotionCsv, parseMotionRecording, preprocessAudio, preprocessImage,
  scaleFeatures, spectralFeatures, tokenize, vocabularyFile, charNgrams as ngramsOf, fnv1a32, type MotionSpec,
} from './index.ts';

export interface ParityResult {
  numbers: Record<string, number[]>;
  strings: Record<string, string>;
}

/** A seeded generator so both sides build the same "random" inputs. */
function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

export function runParityScenario(): ParityResult {
  const random = lcg(42);
  const numbers: Record<string, number[]> = {};
  const strings: Record<string, string> = {};

  const pixels = Uint8Array.from({ length: 97 * 61 * 3 }, () => Math.floor(random() * 256));
  numbers.image = [...preprocessImage({ width: 97, height: 61, data: pixels }, DEFAULT_IMAGE_SPEC)];

  // A chirp with noise at 44.1 kHz, through the WAV the phone uploads, resampled, log-mel, normalized.
  const clip = Float32Array.from({ length: Math.round(44100 * 1.3) }, (_, i) => {
    const t = i / 44100;
    return 0.4 * Math.sin(2 * Math.PI * (200 + 1500 * t) * t) + 0.05 * (random() - 0.5);
  });
  const wav = decodeWav(encodeWav(clip, 44100));
  numbers.audioRaw = [...logMelSpectrogram(wav.samples.subarray(0, 16000), DEFAULT_AUDIO_SPEC)];
  numbers.audio = [...preprocessAudio(wav, { ...DEFAULT_AUDIO_SPEC, normalization: { mean: -4.5, std: 3.25 } })];

  // Motion at 100 Hz in another channel order than the model's, resampled to 50 Hz and windowed.
  const channels = ['gz', 'ax', 'gy', 'ay', 'gx', 'az'];
  const data = Array.from({ length: 500 * 6 }, (_, i) => Math.sin(((Math.floor(i / 6) / 100) * (3 + (i % 6))) * 2 * Math.PI) * (i % 6 + 1) + (random() - 0.5));
  const recording = parseMotionRecording({ format: 'offgrid.motion.v1', rateHz: 100, channels, data });
  const spec: MotionSpec = { ...DEFAULT_MOTION_SPEC, normalization: { mean: [0, 0.1, 9.8, 0, 0, 0], std: [2, 2, 1, 30, 30, 30] } };
  const windows = motionWindows(recording, spec);
  numbers.motionWindows = windows.flatMap((w) => [...w]);
  numbers.motionSpectral = windows.flatMap((w) => [...spectralFeatures(w, spec)]);
  const csv = parseMotionCsv(['t,ax,ay,az', ...Array.from({ length: 40 }, (_, i) => `${(i * 0.02).toFixed(2)},${random()},${random()},${9.8 + random()}`)].join('\n'));
  numbers.motionCsv = [csv.rateHz, ...csv.data];

  const texts = [
    "The quick brown fox doesn't jump; it naps.", 'Ｆｕｌｌｗｉｄｔｈ ＴＥＸＴ and ﬁ ligatures', 'Café DÉJÀ vu — naïve façade',
    'İstanbul ΣΊΣΥΦΟΣ straße 東京タワー 123 ٣٤٥', 'emoji 🙂 between words, tabs\tand\nnewlines',
  ];
  const vocabulary = learnVocabulary(texts, { maxTokens: 40 });
  strings.vocabulary = vocabularyFile(vocabulary);
  strings.tokens = JSON.stringify(texts.map(tokenize));
  numbers.text = texts.flatMap((text) => [...encodeText(text, vocabulary, 12)]);
  // Character n-grams hash UTF-8 bytes of code points: accents, CJK, astral letters (𝒳, 𐐷) and emoji next to
  // letters (the tokenizer drops emoji, so 'ok🙂' must give the n-grams of 'ok') reach both sides' FNV-1a.
  const ngramTexts = [...texts, 'naïve résumé ok🙂 𝒳𐐷y Ǆemal ﬃx ß ΐ', "l'été Ωmega ŉ ǰ ﬀ İi"];
  const charNgrams = { minN: 1, maxN: 5, buckets: 4099 };
  numbers.textNgrams = ngramTexts.flatMap((text) => [...encodeText(text, vocabulary, 160, charNgrams)]);
  // As strings: the numbers' relative tolerance would let a 32-bit hash differ in its last digits.
  strings.ngramHashes = JSON.stringify(ngramTexts.flatMap(tokenize).flatMap((word) => ngramsOf(word, 1, 5)).map(fnv1a32));

  const rows = Array.from({ length: 20 }, () => [random() * 100, random() - 0.5, 7]);
  const scaler = fitStandardScaler(rows);
  numbers.tabular = rows.flatMap((row) => [...scaleFeatures(row, scaler)]);
  return { numbers, strings };
}
