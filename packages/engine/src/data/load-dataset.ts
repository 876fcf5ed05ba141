import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { preprocessImage, type ImageSpec, type RgbImage } from '@offgrid/features';
import { decodeFiles } from './decode-files.ts';
import { listLabelFolders, requireEveryLabel, type LabelFolders, type LoadedDataset, type LoadOptions, type LoadProgress, type ModalitySpecs } from './dataset.ts';
import { loadCsv } from './load-csv.ts';
import { loadAudioFiles } from './load-audio.ts';
import { loadMotionFiles } from './load-motion.ts';
import { loadTextFiles } from './load-text.ts';

/**
 * Decodes (decode-files.ts: several at a time, or from the decoded cache) and preprocesses every image, keeping
 * file order. With `options.smallImagesNative` the input follows the data when every image is smaller than the
 * spec (28×28 pictures become 28×28 inputs, not upscaled 32×32 ones); larger or mixed sizes all become the spec's size.
 */
async function loadImageFiles({ labels, files }: LabelFolders, root: string, spec: ImageSpec, onProgress?: (p: LoadProgress) => void, options: LoadOptions = {}): Promise<LoadedDataset> {
  const fullSize = spec.width * spec.height * 3;
  // Preallocated at the spec's size: image datasets are the large ones (60k Fashion-MNIST pictures). Images that
  // may stay at their own size wait as their (small) cropped pixels until every size is known.
  let x = new Float32Array(files.length * fullSize);
  const small = new Map<number, RgbImage>();
  const failed = new Map<number, string>();
  let done = 0;
  await decodeFiles(files.map((file) => file.path), (file) => {
    if ('error' in file) failed.set(file.index, file.error);
    else if (options.smallImagesNative && file.image.width < spec.width && file.image.height < spec.height) small.set(file.index, file.image);
    else x.set(preprocessImage(file.image, spec), file.index * fullSize);
    onProgress?.({ done: ++done, total: files.length });
  }, options.decodedCache);

  const allSmall = small.size + failed.size === files.length && small.size > 0;
  const side = allSmall ? Math.max(...[...small.values()].map((image) => image.width)) : spec.width;
  const sized = { ...spec, width: allSmall ? side : spec.width, height: allSmall ? side : spec.height };
  const size = sized.width * sized.height * 3;
  if (allSmall) x = new Float32Array(files.length * size);
  for (const [i, image] of small) x.set(preprocessImage(image, sized), i * size);

  // Compact: samples that decoded, in file order.
  const targets: number[] = [];
  const sources: string[] = [];
  const skipped: LoadedDataset['skipped'] = [];
  for (const [i, file] of files.entries()) {
    const reason = failed.get(i);
    if (reason !== undefined) {
      skipped.push({ source: file.path, reason });
      continue;
    }
    if (targets.length !== i) x.copyWithin(targets.length * size, i * size, (i + 1) * size);
    targets.push(file.target);
    sources.push(file.path);
  }
  requireEveryLabel(labels, targets, 'images', root);
  return {
    kind: 'image', labels, shape: [sized.height, sized.width, 3], x: x.slice(0, targets.length * size), targets: Int32Array.from(targets),
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
    case 'image': return loadImageFiles(folders, input, spec, onProgress, options);
    case 'audio': return loadAudioFiles(folders, input, specs.audio, onProgress);
    case 'motion': return loadMotionFiles(folders, input, specs.motion, onProgress);
    case 'text': return loadTextFiles(folders, input, specs.text, onProgress);
  }
}
