/**
 * Small generated datasets for the pipeline tests, written as the folders users give `offgrid train` (clearly
 * synthetic: tones, sinusoid motion patterns, keyword texts). Seeded, so every run writes the same files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRandom, type Random } from '@offgrid/engine';
import { encodeWav, MOTION_FORMAT } from '@offgrid/features';

function write(root: string, label: string, name: string, data: string | Uint8Array): string {
  mkdirSync(join(root, label), { recursive: true });
  const path = join(root, label, name);
  writeFileSync(path, data);
  return path;
}

/** One-second 16 kHz clips: a noisy tone near each label's frequency. */
export function writeTones(root: string, tones: Record<string, number>, perLabel: number, seed: number): void {
  const random = createRandom(seed);
  for (const [label, hz] of Object.entries(tones)) {
    for (let i = 0; i < perLabel; i++) {
      const f = hz * (0.95 + random.next() * 0.1);
      const amplitude = 0.2 + random.next() * 0.5;
      const samples = Float32Array.from({ length: 16000 }, (_, t) => amplitude * Math.sin((2 * Math.PI * f * t) / 16000) + (random.next() - 0.5) * 0.05);
      write(root, label, `${i}.wav`, encodeWav(samples, 16000));
    }
  }
}

export type MotionPattern = (t: number, random: Random) => number[];

/** Phone-like motion patterns at 50 Hz: [ax, ay, az, gx, gy, gz] at time t (seconds). */
export const MOTION_PATTERNS: Record<string, MotionPattern> = {
  // Slow vertical bounce (gravity on z) with a little rotation.
  walk: (t) => [0.5 * Math.sin(2 * Math.PI * 2 * t), 0.3 * Math.cos(2 * Math.PI * 2 * t), 9.8 + 3 * Math.sin(2 * Math.PI * 2 * t), 10 * Math.sin(2 * Math.PI * 2 * t), 5, 0],
  // Fast side-to-side shake with strong rotation.
  shake: (t) => [6 * Math.sin(2 * Math.PI * 7 * t), 0.5, 9.8, 0, 80 * Math.cos(2 * Math.PI * 7 * t), 20 * Math.sin(2 * Math.PI * 7 * t)],
  // Machine hum: a steady 3 Hz vibration (the "normal" of the anomaly tests).
  normal: (t) => [0.8 * Math.sin(2 * Math.PI * 3 * t), 0.4 * Math.sin(2 * Math.PI * 3 * t + 1), 9.8, 2 * Math.sin(2 * Math.PI * 3 * t), 0, 0],
  // The same machine with a knock: 11 Hz rattle added.
  fault: (t) => [0.8 * Math.sin(2 * Math.PI * 3 * t) + 2.5 * Math.sin(2 * Math.PI * 11 * t), 0.4 * Math.sin(2 * Math.PI * 3 * t + 1), 9.8 + 1.5 * Math.sin(2 * Math.PI * 11 * t), 2 * Math.sin(2 * Math.PI * 3 * t), 15 * Math.sin(2 * Math.PI * 11 * t), 0],
};

/** `offgrid.motion.v1` recordings of `seconds` at 50 Hz per label, with random phase, tempo and sensor noise. */
export function writeMotion(root: string, labels: string[], recordingsPerLabel: number, seconds: number, seed: number): void {
  const random = createRandom(seed);
  for (const label of labels) {
    const pattern = MOTION_PATTERNS[label];
    for (let r = 0; r < recordingsPerLabel; r++) {
      const offset = random.next() * 5;
      const tempo = 0.9 + random.next() * 0.2;
      const data: number[] = [];
      for (let s = 0; s < seconds * 50; s++) {
        for (const value of pattern((s / 50) * tempo + offset, random)) data.push(Math.round((value + (random.next() - 0.5) * 0.6) * 1000) / 1000);
      }
      write(root, label, `${r}.json`, JSON.stringify({ format: MOTION_FORMAT, rateHz: 50, channels: ['ax', 'ay', 'az', 'gx', 'gy', 'gz'], data }));
    }
  }
}

const FILLER = ['the', 'a', 'today', 'we', 'really', 'some', 'very', 'and', 'it', 'was', 'with', 'my', 'friend', 'after', 'work', 'again', 'there', 'new'];
export const TEXT_KEYWORDS: Record<string, string[]> = {
  cooking: ['recipe', 'oven', 'salt', 'bake', 'soup', 'garlic', 'dinner', 'pan'],
  sports: ['goal', 'match', 'team', 'score', 'coach', 'league', 'referee', 'season'],
  travel: ['flight', 'hotel', 'beach', 'passport', 'train', 'luggage', 'museum', 'map'],
};

/** Short texts of filler words with two or three of the label's keywords. */
export function writeTexts(root: string, perLabel: number, seed: number): void {
  const random = createRandom(seed);
  const pick = (list: string[]) => list[Math.floor(random.next() * list.length)];
  for (const [label, keywords] of Object.entries(TEXT_KEYWORDS)) {
    for (let i = 0; i < perLabel; i++) {
      const words = Array.from({ length: 6 + Math.floor(random.next() * 6) }, () => pick(FILLER));
      for (let k = 0; k < 2 + Math.floor(random.next() * 2); k++) words.splice(Math.floor(random.next() * words.length), 0, pick(keywords));
      const text = words.join(' ');
      write(root, label, `${i}.txt`, text[0].toUpperCase() + text.slice(1) + '.');
    }
  }
}
