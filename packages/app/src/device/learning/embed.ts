// Samples → embeddings: each kept sample is encoded as the model takes it (sample-input.ts) and run through the
// version's trunk (the .tflite cut at the head's input; LiteRT.js, like the predictor), giving the rows
// `trainHead` and `evaluateHead` (@offgrid/federated) read. Cancellable between samples.
import { createRandom } from '@offgrid/features';
import type { Predictor } from '../predictor.ts';
import type { SampleBytes, SampleEncoder } from './sample-input.ts';

export interface LabelledSample extends SampleBytes {
  label: string;
}

/** `n × inputSize` row-major embeddings and their label indexes (the model's label order). */
export interface Embedded {
  embeddings: Float32Array;
  targets: Int32Array;
  inputSize: number;
}

export interface EmbedOptions {
  signal?: AbortSignal;
  onProgress?(done: number, total: number): void;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new DOMException('Cancelled.', 'AbortError');
}

/** Embeds the samples whose label the model knows; `skipped` counts the others (a label added after it was trained). */
export async function embedSamples(trunk: Predictor, encode: SampleEncoder, samples: readonly LabelledSample[], labels: readonly string[], options: EmbedOptions = {}): Promise<Embedded & { skipped: number }> {
  const known = samples.filter((sample) => labels.includes(sample.label));
  const rows: Float32Array[] = [];
  const targets = new Int32Array(known.length);
  for (const [i, sample] of known.entries()) {
    throwIfAborted(options.signal);
    const { output } = await trunk.predictInto(await encode(sample), undefined);
    if (rows.length > 0 && output.length !== rows[0].length) throw new Error(`The trunk gave embeddings of ${rows[0].length} and ${output.length} values.`);
    if (!output.every(Number.isFinite)) throw new Error(`The trunk gave a non-finite embedding for a “${sample.label}” sample.`);
    rows.push(output.slice());
    targets[i] = labels.indexOf(sample.label);
    options.onProgress?.(i + 1, known.length);
  }
  const inputSize = rows[0]?.length ?? 0;
  const embeddings = new Float32Array(rows.length * inputSize);
  rows.forEach((row, i) => embeddings.set(row, i * inputSize));
  return { embeddings, targets, inputSize, skipped: samples.length - known.length };
}

/** The rows at `indexes`. */
export function subset(data: Embedded, indexes: readonly number[]): Embedded {
  const { inputSize } = data;
  const embeddings = new Float32Array(indexes.length * inputSize);
  const targets = new Int32Array(indexes.length);
  indexes.forEach((row, i) => {
    embeddings.set(data.embeddings.subarray(row * inputSize, (row + 1) * inputSize), i * inputSize);
    targets[i] = data.targets[row];
  });
  return { embeddings, targets, inputSize };
}

/**
 * Holds out `fraction` of each label's rows (seeded shuffle; a label with one row keeps it for training), so the
 * held-out samples rate a head on every label the phone has.
 */
export function holdOut(targets: ArrayLike<number>, fraction: number, seed: number): { train: number[]; heldOut: number[] } {
  if (!(fraction >= 0 && fraction < 1)) throw new Error(`The held-out fraction must be in [0, 1), got ${fraction}.`);
  const random = createRandom(seed);
  const byLabel = new Map<number, number[]>();
  for (let i = 0; i < targets.length; i++) byLabel.set(targets[i], [...(byLabel.get(targets[i]) ?? []), i]);
  const train: number[] = [];
  const heldOut: number[] = [];
  for (const rows of byLabel.values()) {
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(random.next() * (i + 1));
      [rows[i], rows[j]] = [rows[j], rows[i]];
    }
    const count = rows.length < 2 ? 0 : Math.max(1, Math.round(rows.length * fraction));
    heldOut.push(...rows.slice(0, count));
    train.push(...rows.slice(count));
  }
  return { train: train.sort((a, b) => a - b), heldOut: heldOut.sort((a, b) => a - b) };
}
