/**
 * Writes the bench datasets for the non-image modalities as folders `offgrid train` reads
 * (one sub-folder per label), each with a held-out test folder whose sources the training folder never saw:
 *   node --import tsx bench/modalities/make-datasets.ts [--out /tmp/offgrid-bench-data]
 *
 * - text   (REAL): Debian's `fortunes` quotes by category; test = a random 20% of the quotes.
 * - audio  (SYNTHESIZED speech): spoken command words from Debian's `espeak-ng` in many voices, speeds and
 *          pitches with background noise; test = voices never used for training.
 * - motion (GENERATED): accelerometer + gyroscope recordings of simulated activities with random phone
 *          orientation, tempo and sensor noise; test = fresh seeds.
 * No real audio or motion dataset is available on these machines; the tables say which data is generated.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeWav, encodeWav, MOTION_FORMAT, resampleLinear } from '@offgrid/features';
import { createRandom } from '@offgrid/engine';

const { values } = parseArgs({ options: { out: { type: 'string', default: '/tmp/offgrid-bench-data' } } });
const OUT = values.out!;
const random = createRandom(7);

function writeSample(root: string, label: string, name: string, data: string | Uint8Array): void {
  mkdirSync(join(root, label), { recursive: true });
  writeFileSync(join(root, label, name), data);
}

function shuffled<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

// --- text: fortunes by category ---------------------------------------------------------------
const TEXT_CATEGORIES = ['computers', 'food', 'love', 'medicine', 'sports', 'law'];
function makeText(): void {
  for (const category of TEXT_CATEGORIES) {
    const quotes = readFileSync(`/usr/share/games/fortunes/${category}`, 'latin1').split(/^%$/m).map((q) => q.trim()).filter((q) => q.length > 10);
    shuffled(quotes).forEach((quote, i) => {
      const split = i % 5 === 0 ? 'test' : 'train';
      writeSample(join(OUT, 'text', split), category, `${i}.txt`, quote);
    });
  }
}

// --- audio: espeak-ng words ---------------------------------------------------------------------
const WORDS = ['yes', 'no', 'up', 'down', 'left', 'right', 'stop', 'go'];
const TRAIN_VOICES = ['en-gb', 'en-us', 'en-gb-scotland', 'en-gb-x-rp', 'en-029', 'en-gb-x-gbcwmd'];
const TEST_VOICES = ['en-gb-x-gbclan', 'en-us+f2'];
const VARIANTS = ['', '+m3', '+f1', '+f3', '+m5', '+klatt'];
const TMP_WAV = join(tmpdir(), `offgrid-espeak-${process.pid}.wav`);
function makeAudio(): void {
  const speak = (voice: string, word: string, speed: number, pitch: number): Float32Array => {
    // -w, not --stdout: a streamed WAV declares an unknown length, which decodeWav rightly calls truncated.
    execFileSync('espeak-ng', ['-v', voice, '-s', String(speed), '-p', String(pitch), '-w', TMP_WAV, word]);
    const { sampleRate, samples } = decodeWav(new Uint8Array(readFileSync(TMP_WAV)));
    return resampleLinear(samples, sampleRate, 16000);
  };
  const clip = (speech: Float32Array, offset: number, noise: number): Float32Array => {
    const out = new Float32Array(16000);
    for (let i = 0; i < out.length; i++) out[i] = (speech[i - offset] ?? 0) * 0.8 + (random.next() * 2 - 1) * noise;
    return out;
  };
  let n = 0;
  for (const split of ['train', 'test'] as const) {
    const voices = split === 'train' ? TRAIN_VOICES.flatMap((v) => VARIANTS.map((variant) => v + variant)) : TEST_VOICES;
    const repeats = split === 'train' ? 3 : 6;
    for (const voice of voices) {
      for (const word of WORDS) {
        for (let r = 0; r < repeats; r++) {
          const speech = speak(voice, word, 130 + Math.floor(random.next() * 90), 25 + Math.floor(random.next() * 50));
          const room = Math.max(0, 16000 - speech.length);
          writeSample(join(OUT, 'audio', split), word, `${n++}.wav`, encodeWav(clip(speech, Math.floor(random.next() * room), 0.002 + random.next() * 0.02), 16000));
        }
      }
    }
  }
}

// --- motion: simulated activities ---------------------------------------------------------------
const ACTIVITIES = ['still', 'walking', 'running', 'shaking', 'stairs'];
function recording(activity: string, seconds: number): string {
  const rate = 50;
  const steps = seconds * rate;
  const tempo = { still: 0, walking: 1.8, running: 2.8, shaking: 6, stairs: 1.4 }[activity]! * (0.85 + random.next() * 0.3);
  const amplitude = { still: 0.05, walking: 2.5, running: 6, shaking: 9, stairs: 3 }[activity]! * (0.7 + random.next() * 0.6);
  // A random phone orientation: gravity splits over the axes differently in each recording.
  const [a, b] = [random.next() * Math.PI, random.next() * 2 * Math.PI];
  const g = [Math.sin(a) * Math.cos(b), Math.sin(a) * Math.sin(b), Math.cos(a)].map((c) => c * 9.81);
  const data: number[] = [];
  const phase = random.next() * 2 * Math.PI;
  for (let s = 0; s < steps; s++) {
    const t = s / rate;
    const w = 2 * Math.PI * tempo * t + phase;
    // Stairs: a second, slower vertical component; shaking: mostly one axis, high frequency.
    const vertical = amplitude * (Math.sin(w) + (activity === 'stairs' ? 0.6 * Math.sin(w / 2) : 0.3 * Math.sin(2 * w)));
    const lateral = amplitude * (activity === 'shaking' ? 1 : 0.3) * Math.cos(w);
    const noise = () => (random.next() * 2 - 1) * 0.15;
    data.push(g[0] + lateral + noise(), g[1] + 0.2 * lateral + noise(), g[2] + vertical + noise());
    const spin = activity === 'still' ? 0 : amplitude * 8;
    data.push(spin * Math.sin(w + 1) + noise() * 5, spin * 0.5 * Math.cos(w) + noise() * 5, spin * 0.2 * Math.sin(2 * w) + noise() * 5);
  }
  return JSON.stringify({ format: MOTION_FORMAT, rateHz: rate, channels: ['ax', 'ay', 'az', 'gx', 'gy', 'gz'], data: data.map((v) => Math.round(v * 1000) / 1000) });
}
function makeMotion(): void {
  for (const split of ['train', 'test'] as const) {
    for (const activity of ACTIVITIES) {
      for (let i = 0; i < (split === 'train' ? 24 : 8); i++) writeSample(join(OUT, 'motion', split), activity, `${i}.json`, recording(activity, 10 + Math.floor(random.next() * 20)));
    }
  }
}

rmSync(OUT, { recursive: true, force: true });
makeText();
makeMotion();
makeAudio();
console.log(`wrote ${OUT}/{text,audio,motion}/{train,test}`);
