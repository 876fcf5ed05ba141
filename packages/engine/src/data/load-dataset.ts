import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { preprocessImage, type ImageSpec } from '@offgrid/features';
import { decodeImage } from './decode-image.ts';
import { listLabelFolders, requireEveryLabel, type LabelFolders, type LoadedDataset, type LoadOptions, type LoadProgress, type ModalitySpecs } from './dataset.ts';
import { loadCsv } from './load-csv.ts';
import { loadAudioFiles } from './load-audio.ts';
import { loadMotionFiles } from './load-motion.ts';
import { loadTextFiles } from './load-text.ts';

/** A folder with one sub-folder of images per label (the sub-folder name is the label). */
export async function loadImageFolder(root: string, spec: ImageSpec, onProgress?: (p: LoadProgress) => void): Promise<LoadedDataset> {
  const folders = await listLabelFolders(root);
  if (folders.kind !== 'image') throw new Error(`${root} holds ${folders.kind} files, not images.`);
  return loadImageFiles(folders, root, spec, onProgress);
}

async function loadImageFiles({ labels, files }: LabelFolders, root: string, spec: ImageSpec, onProgress?: (p: LoadProgress) => void): Promise<LoadedDataset> {
  const size = spec.width * spec.height * 3;
  // Preallocated: image datasets are the large ones (60k Fashion-MNIST pictures), so no per-sample arrays.
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
  requireEveryLabel(labels, targets, 'images', root);
  return {
    kind: 'image', labels, shape: [spec.height, spec.width, 3], x: x.slice(0, targets.length * size), targets: Int32Array.from(targets),
    sources, imageNormalization: { mean: spec.mean, std: spec.std }, skipped,
  };
}

/**
 * A folder of label sub-folders (images, .wav clips, motion recordings or .txt texts: see listLabelFolders),
 * or a .csv file (numeric features + `label`, or `text` + `label`). `specs` sets how non-image data is
 * preprocessed (defaults: DEFAULT_AUDIO_SPEC, DEFAULT_MOTION_SPEC, DEFAULT_TEXT_SPEC); `options.minLabels: 1`
 * accepts a single label (an anomaly dataset of `normal` samples only).
 */
export async function loadDataset(input: string, spec: ImageSpec, onProgress?: (p: LoadProgress) => void, specs: ModalitySpecs = {}, options: LoadOptions = {}): Promise<LoadedDataset> {
  const info = await stat(input).catch(() => undefined);
  if (!info) throw new Error(`${input} does not exist.`);
  if (extname(input).toLowerCase() === '.csv' && info.isFile()) return loadCsv(input, specs, options);
  if (!info.isDirectory()) throw new Error(`${input} is neither a folder of label sub-folders nor a .csv file.`);
  const folders = await listLabelFolders(input, options);
  switch (folders.kind) {
    case 'image': return loadImageFiles(folders, input, spec, onProgress);
    case 'audio': return loadAudioFiles(folders, input, specs.audio, onProgress);
    case 'motion': return loadMotionFiles(folders, input, specs.motion, onProgress);
    case 'text': return loadTextFiles(folders, input, specs.text, onProgress);
  }
}
