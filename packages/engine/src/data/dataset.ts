import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { AudioSpec, Modality, MotionSpec, TextSpec } from '@offgrid/features';

/** A labelled dataset in the form the trainer takes: samples back to back in one float32 array. */
export interface LoadedDataset {
  kind: Modality;
  labels: string[];
  /**
   * Shape of one sample: [H, W, 3] for images, [features] for tables, [frames, melBands] for audio (log-mel),
   * [steps, channels] for motion windows, [seqLength] for text (token ids).
   */
  shape: number[];
  /** Text: token ids as float32 (exact up to 2^24), for the trainer's float32 input. */
  x: Float32Array;
  targets: Int32Array;
  /** Where each sample came from (file path, CSV line number, or path#window for motion windows). */
  sources: string[];
  /**
   * For each sample, the recording it came from (motion: every window of one file shares a group), so a split can
   * keep a recording's windows on one side. Absent: every sample is its own recording.
   */
  groups?: Int32Array;
  /** How `groups` were formed: a recording's windows (motion), a pattern over file paths (`groupByPattern`), or phone capture sessions (the server). */
  groupedBy?: SampleGrouping;
  /** What the phone must replicate to build the same inputs; lands in the model metadata and the report. */
  preprocessing?: DatasetPreprocessing;
  /** Images only: how 0–255 pixels became model inputs, (pixel - mean) / std. */
  imageNormalization?: { mean: number; std: number };
  /** Tabular only: column names, and the standardization applied ((x - mean) / std per column). */
  featureNames?: string[];
  featureScaling?: { mean: number[]; std: number[] };
  /** Inputs that could not be used, with the reason; loading goes on without them. */
  skipped: { source: string; reason: string }[];
}

export type SampleGrouping = { by: 'recording' } | { by: 'pattern'; pattern: string } | { by: 'session'; gapSeconds: number };

export interface DatasetPreprocessing {
  /** With `normalization` ({ mean, std } over all log-mel values of the loaded data). */
  audio?: AudioSpec;
  /** With `normalization` (per channel { mean[], std[] } over the loaded windows). */
  motion?: MotionSpec;
  text?: TextSpec & { vocabulary: string[] };
}

/**
 * How non-image data becomes samples. A spec that already carries its normalization (audio, motion) or
 * vocabulary (text) is applied as it is instead of being fitted: load a test set with the training set's specs.
 */
export interface ModalitySpecs {
  audio?: AudioSpec;
  motion?: MotionSpec;
  text?: TextSpec & { vocabulary?: string[] };
}

/** How strict loading is about labels. */
export interface LoadOptions {
  /** Fewest distinct labels accepted (default 2; anomaly datasets may hold only `normal`: pass 1). */
  minLabels?: number;
  /**
   * Images: when every picture is smaller than the spec's size, keep their own size (the largest of them) instead
   * of upscaling; otherwise every picture becomes the spec's size. Default false (the size is exactly the spec's).
   */
  smallImagesNative?: boolean;
  /** Images: a folder that keeps decoded pictures between runs (decoded-cache.ts); default none. */
  decodedCache?: string;
}

export interface LoadProgress {
  done: number;
  total: number;
}

export type Skipped = LoadedDataset['skipped'];

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.bmp']);

/** The modalities a folder of label sub-folders can hold: tabular data is one CSV file instead (load-csv.ts). */
export type FolderKind = Exclude<Modality, 'tabular'>;

/** File extensions per kind of folder dataset. `.txt` counts only when no other kind is present (notes beside data). */
export const FOLDER_KINDS: Readonly<Record<FolderKind, ReadonlySet<string>>> = Object.freeze({
  image: IMAGE_EXTENSIONS,
  audio: new Set(['.wav']),
  motion: new Set(['.json', '.csv']),
  text: new Set(['.txt']),
});

export interface LabelledFile {
  path: string;
  target: number;
}

/** A folder with one sub-folder per label: its labels (sorted) and, per kind, the files found. */
export interface LabelFolders {
  labels: string[];
  kind: FolderKind;
  files: LabelledFile[];
}

/**
 * Lists a folder of label sub-folders and decides what it holds from the file extensions:
 * images, .wav (audio), .json/.csv (motion recordings), or only .txt (text). Mixing kinds is an error.
 */
export async function listLabelFolders(root: string, { minLabels = 2 }: LoadOptions = {}): Promise<LabelFolders> {
  const entries = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith('.'));
  const labels = entries.map((e) => e.name).sort((a, b) => a.localeCompare(b));
  if (labels.length < minLabels) throw new Error(`${root} must contain one sub-folder per label, at least ${minLabels === 1 ? 'one' : minLabels === 2 ? 'two' : minLabels}; found ${labels.length}.`);
  const all: (LabelledFile & { kind?: FolderKind })[] = [];
  for (const [target, label] of labels.entries()) {
    const names = (await readdir(join(root, label))).filter((name) => !name.startsWith('.')).sort();
    for (const name of names) {
      const extension = extname(name).toLowerCase();
      const kind = (Object.keys(FOLDER_KINDS) as FolderKind[]).find((k) => FOLDER_KINDS[k].has(extension));
      all.push({ path: join(root, label, name), target, kind });
    }
  }
  const counts = new Map<FolderKind, number>();
  for (const file of all) if (file.kind) counts.set(file.kind, (counts.get(file.kind) ?? 0) + 1);
  const media = [...counts.keys()].filter((kind) => kind !== 'text');
  if (media.length > 1) {
    const found = media.map((kind) => `${counts.get(kind)} ${kind} (${[...FOLDER_KINDS[kind]].join(' ')})`).join(', ');
    throw new Error(`${root} mixes kinds of data: ${found} files. Put one kind of data (images, .wav audio, motion recordings or .txt texts) in a dataset.`);
  }
  const kind: FolderKind | undefined = media[0] ?? (counts.has('text') ? 'text' : undefined);
  if (!kind) throw new Error(`${root} has no data files in its label folders (images, .wav, motion .json/.csv, or .txt).`);
  return { labels, kind, files: all.filter((file) => file.kind === kind).map(({ path, target }) => ({ path, target })) };
}

/** Throws when a label ended up with no usable sample. */
export function requireEveryLabel(labels: string[], targets: ArrayLike<number>, what: string, root: string): void {
  const present = new Set(Array.from(targets));
  const empty = labels.filter((_, target) => !present.has(target));
  if (empty.length > 0) throw new Error(`No readable ${what} for label(s) ${empty.join(', ')} in ${root}.`);
}

/** Samples of equal length, back to back. */
export function concatSamples(samples: Float32Array[], size: number): Float32Array {
  const x = new Float32Array(samples.length * size);
  samples.forEach((sample, i) => x.set(sample, i * size));
  return x;
}
