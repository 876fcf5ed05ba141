import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, basename } from 'node:path';
import { preprocessImage, type ImageSpec } from '@offgrid/features';
import { decodeImage } from './decode-image.ts';

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.bmp']);

/** A labelled dataset in the form the trainer takes: samples back to back in one float32 array. */
export interface LoadedDataset {
  kind: 'image' | 'tabular';
  labels: string[];
  /** Shape of one sample: [H, W, 3] for images, [features] for tables. */
  shape: number[];
  x: Float32Array;
  targets: Int32Array;
  /** Where each sample came from (file path, or CSV line number). */
  sources: string[];
  /** Images only: how 0–255 pixels became model inputs, (pixel - mean) / std. */
  imageNormalization?: { mean: number; std: number };
  /** Tabular only: column names, and the standardization applied ((x - mean) / std per column). */
  featureNames?: string[];
  featureScaling?: { mean: number[]; std: number[] };
  /** Inputs that could not be used, with the reason; loading goes on without them. */
  skipped: { source: string; reason: string }[];
}

export interface LoadProgress {
  done: number;
  total: number;
}

/** A folder with one sub-folder of images per label (the sub-folder name is the label). */
export async function loadImageFolder(root: string, spec: ImageSpec, onProgress?: (p: LoadProgress) => void): Promise<LoadedDataset> {
  const entries = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith('.'));
  const labels = entries.map((e) => e.name).sort((a, b) => a.localeCompare(b));
  if (labels.length < 2) throw new Error(`${root} must contain one sub-folder of images per label, at least two; found ${labels.length}.`);
  const files: { path: string; target: number }[] = [];
  for (const [target, label] of labels.entries()) {
    const names = (await readdir(join(root, label))).filter((name) => IMAGE_EXTENSIONS.has(extname(name).toLowerCase())).sort();
    files.push(...names.map((name) => ({ path: join(root, label, name), target })));
  }
  const size = spec.width * spec.height * 3;
  const x = new Float32Array(files.length * size);
  const targets: number[] = [];
  const sources: string[] = [];
  const skipped: LoadedDataset['skipped'] = [];
  for (const [i, file] of files.entries()) {
    try {
      const input = preprocessImage(await decodeImage(await readFile(file.path)), spec);
      x.set(input, targets.length * size);
      targets.push(file.target);
      sources.push(file.path);
    } catch (error) {
      skipped.push({ source: file.path, reason: (error as Error).message });
    }
    onProgress?.({ done: i + 1, total: files.length });
  }
  const empty = labels.filter((_, target) => !targets.includes(target));
  if (empty.length > 0) throw new Error(`No readable images for label(s) ${empty.join(', ')} in ${root}.`);
  return {
    kind: 'image', labels, shape: [spec.height, spec.width, 3], x: x.slice(0, targets.length * size), targets: Int32Array.from(targets),
    sources, imageNormalization: { mean: spec.mean, std: spec.std }, skipped,
  };
}

/** A CSV file with numeric feature columns and a `label` column; features are standardized. */
export async function loadCsv(path: string): Promise<LoadedDataset> {
  const lines = (await readFile(path, 'utf8')).split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '');
  const labelColumn = header.findIndex((name) => name.toLowerCase() === 'label');
  if (labelColumn < 0) throw new Error(`${basename(path)} needs a column named "label"; its columns are: ${header.join(', ')}.`);
  const featureNames = header.filter((_, i) => i !== labelColumn);
  if (featureNames.length === 0) throw new Error(`${basename(path)} has no feature columns besides "label".`);
  const rows: { values: number[]; label: string; line: number }[] = [];
  const skipped: LoadedDataset['skipped'] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const cells = splitCsvLine(lines[i]);
    const source = `${basename(path)}:${i + 1}`;
    if (cells.length !== header.length) {
      skipped.push({ source, reason: `has ${cells.length} cells, the header has ${header.length}` });
      continue;
    }
    const values = cells.filter((_, c) => c !== labelColumn).map(Number);
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      skipped.push({ source, reason: `column "${featureNames[bad]}" is not a number` });
      continue;
    }
    rows.push({ values, label: cells[labelColumn].trim(), line: i + 1 });
  }
  const labels = [...new Set(rows.map((r) => r.label))].sort((a, b) => a.localeCompare(b));
  if (labels.length < 2) throw new Error(`${basename(path)} needs at least two distinct labels; found ${labels.length}.`);
  const f = featureNames.length;
  const mean = featureNames.map((_, c) => rows.reduce((s, r) => s + r.values[c], 0) / rows.length);
  const std = featureNames.map((_, c) => Math.sqrt(rows.reduce((s, r) => s + (r.values[c] - mean[c]) ** 2, 0) / rows.length) || 1);
  const x = new Float32Array(rows.length * f);
  rows.forEach((row, r) => row.values.forEach((v, c) => { x[r * f + c] = (v - mean[c]) / std[c]; }));
  return {
    kind: 'tabular', labels, shape: [f], x, targets: Int32Array.from(rows.map((r) => labels.indexOf(r.label))),
    sources: rows.map((r) => `${basename(path)}:${r.line}`), featureNames, featureScaling: { mean, std }, skipped,
  };
}

/** Splits one CSV line (RFC 4180 quotes, no embedded newlines). */
export function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cell += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { cells.push(cell); cell = ''; }
    else cell += ch;
  }
  cells.push(cell);
  return cells.map((c) => c.trim());
}

/** A folder of label sub-folders, or a .csv file. */
export async function loadDataset(input: string, spec: ImageSpec, onProgress?: (p: LoadProgress) => void): Promise<LoadedDataset> {
  const info = await stat(input).catch(() => undefined);
  if (!info) throw new Error(`${input} does not exist.`);
  if (info.isDirectory()) return loadImageFolder(input, spec, onProgress);
  if (extname(input).toLowerCase() === '.csv') return loadCsv(input);
  throw new Error(`${input} is neither a folder of label sub-folders nor a .csv file.`);
}
