/**
 * The transfer family in an image search: an embedding pass (every training image through a frozen backbone, on
 * both cores, cached per file by content) when it fits the budget, after which `transfer-head` trials train on the
 * embeddings beside the from-scratch families; and, when a head wins, the backbone + head as one image classifier
 * (float32 and full-integer int8, input the backbone's size and normalization).
 */
import { backboneImageSpec, composeTransferTflite, EMBED_STARTUP_SECONDS, createRandom, directoryEmbeddingCache, embedImageFiles, initWasmBackend, loadBackbone, type BackboneInfo, type EmbeddingCache } from '@offgrid/engine';
import { decodeImage, type LoadedDataset } from '@offgrid/engine/data';
import { preprocessImage, type ImageSpec } from '@offgrid/features';
import { calibrateLiteRt, parseModel, quantizeInt8, serializeWithMetadata } from '@offgrid/tflite';
import { metadataFor, type ModelFiles } from './model-files.ts';
import type { ModelView } from './model-input.ts';
import type { TransferSummary } from './report.ts';

export const TRANSFER_FAMILY = 'transfer-head';
export const DEFAULT_BACKBONE = 'mobilenet-v2-nsfwjs';
/** Share of the search's budget the embedding pass may use: the rest must still search. */
export const EMBED_SHARE = 0.4;
/**
 * Training images that calibrate the composite's int8 ranges. LiteRT.js calibrates a 224×224 MobileNetV2 at ~5
 * images/s here, so the 200 of other models would cost 40 s; 100 is what quantizeInt8 requires and what the
 * engine's MobileNetV2 export test calibrates on (int8 agreed with float32 on 99 % of real images).
 */
export const TRANSFER_CALIBRATION_SAMPLES = 100;

export interface TransferOptions {
  /** The encoded image file (JPEG, PNG, …) of sample `index` of the training dataset: a folder's file, a phone's upload. */
  readImage: (index: number) => Promise<Uint8Array>;
  /** The same for `testData` when the pipeline is given a separate test set (without it, transfer is not offered then). */
  readTestImage?: (index: number) => Promise<Uint8Array>;
  /** A built-in backbone (default `mobilenet-v2-nsfwjs`) or one imported into `dataDir` (`offgrid backbones import`). */
  backbone?: string;
  dataDir?: string;
  /** A folder where embeddings stay between runs, keyed by file content and backbone (a retrain embeds only new files); default: this run only. */
  cacheDir?: string;
  /** Threads for the embedding pass (default 2: both cores, before the search starts). */
  workers?: number;
}

/** What report.transfer says (its schema in report-schema.ts is the one spelling). */
export type { TransferSummary } from './report.ts';

export interface TransferPass {
  info: BackboneInfo;
  spec: ImageSpec;
  /** Embeddings of every training sample (test rows are zero: the test set is judged on images, by the composite). */
  view: ModelView;
  /** Seconds one core spent per image (decode + backbone), to budget the composite's calibration and test. */
  secondsPerImage: number;
}

/** The search keeps at least this share of its time after the embedding pass and a transfer winner's packaging reserve. */
const MIN_SEARCH_SHARE_WITH_TRANSFER = 0.3;

/**
 * Whether this run offers the transfer family: refusals first (not images, int8 objective or limits, a budget too
 * small for a pass and a winner's packaging), then the embedding pass within `EMBED_SHARE` of the search's time, then
 * the packaging reserve. Returns the pass (undefined: not offered), what the report says, and the search's seconds
 * left. Tells the progress (`phase` details) at each step.
 */
export async function planTransfer(
  dataset: LoadedDataset, transfer: TransferOptions, options: { budgetSeconds: number; objective?: string; limits?: object; testData?: LoadedDataset; signal?: AbortSignal },
  { trainIndices, testIndices, searchShare, emit }: { trainIndices: number[]; testIndices: number[]; searchShare: number; emit: (event: { type: 'phase'; phase: 'searching'; detail: string }) => void },
): Promise<{ pass?: TransferPass; summary?: TransferSummary; searchSeconds: number }> {
  let searchSeconds = options.budgetSeconds * searchShare;
  const backbone = transfer.backbone ?? DEFAULT_BACKBONE;
  // What the search could give up to transfer (its embedding share and what it must keep) and the time kept after it.
  const room = searchSeconds * (1 - MIN_SEARCH_SHARE_WITH_TRANSFER) + options.budgetSeconds * (1 - searchShare) * 0.8;
  const refusal = transferRefusal(dataset, options, transfer) ?? (room < MINIMUM_TRANSFER_SECONDS
    ? `a budget of ${options.budgetSeconds} s is too small to embed the images and package a transfer winner (at least ~${Math.round(MINIMUM_TRANSFER_SECONDS / (1 - MIN_SEARCH_SHARE_WITH_TRANSFER))} s)`
    : undefined);
  if (refusal) {
    if (dataset.kind !== 'image') return { searchSeconds };
    emit({ type: 'phase', phase: 'searching', detail: `transfer family not offered: ${refusal}` });
    return { summary: { backbone, offered: false, reason: refusal, samples: 0, cacheHits: 0, seconds: 0 }, searchSeconds };
  }
  emit({ type: 'phase', phase: 'searching', detail: `embedding ${trainIndices.length} images with ${backbone} (the transfer family), up to ${Math.round(searchSeconds * EMBED_SHARE)} s` });
  let { pass, summary } = await embeddingPass(dataset, trainIndices, transfer, searchSeconds * EMBED_SHARE, {
    signal: options.signal,
    onProgress: (done, total) => emit({ type: 'phase', phase: 'searching', detail: `embedding images with ${backbone}: ${done}/${total}` }),
  });
  searchSeconds -= summary.seconds;
  if (pass) {
    // A transfer winner's packaging (int8 calibration of the whole backbone) outlasts the share kept after the search
    // for retraining and packaging; the excess comes out of the search, which must keep a fair part of its time.
    const packaging = transferPackagingSeconds(pass, trainIndices.length, testIndices.length);
    const excess = Math.max(0, packaging - options.budgetSeconds * (1 - searchShare) * 0.8);
    if (searchSeconds - excess < options.budgetSeconds * searchShare * MIN_SEARCH_SHARE_WITH_TRANSFER) {
      summary = { ...summary, offered: false, reason: `the embedding pass (${summary.seconds.toFixed(1)} s) and packaging a transfer winner (about ${Math.round(packaging)} s: int8 calibration of the backbone) would leave the search too little of the budget` };
      pass = undefined;
    } else searchSeconds -= excess;
  }
  emit({ type: 'phase', phase: 'searching', detail: pass ? `transfer family offered: ${summary.samples} images embedded in ${summary.seconds.toFixed(1)} s (${summary.cacheHits} from the cache)` : `transfer family not offered: ${summary.reason}` });
  return { pass, summary, searchSeconds };
}

/** Why the transfer family cannot be offered for this run at all, before anything is embedded. */
export function transferRefusal(dataset: LoadedDataset, options: { objective?: string; limits?: object; testData?: LoadedDataset }, transfer: TransferOptions): string | undefined {
  if (dataset.kind !== 'image') return `${dataset.kind} data (transfer learning is for images)`;
  if (options.objective === 'int8' || options.limits) {
    return 'the search has an int8 objective or size/MAC limits, which trials measure on their own file; a transfer head\'s file lacks the backbone';
  }
  if (options.testData && !transfer.readTestImage) return 'a separate test set was given without its image files (readTestImage)';
  return undefined;
}

/**
 * Embeds the training samples (`indices`) when the pass is estimated to fit `maxSeconds`; undefined pass when it
 * does not (the summary says why).
 */
export async function embeddingPass(
  dataset: LoadedDataset, indices: number[], transfer: TransferOptions, maxSeconds: number,
  { signal, onProgress }: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<{ pass?: TransferPass; summary: TransferSummary }> {
  const backbone = transfer.backbone ?? DEFAULT_BACKBONE;
  const cache: EmbeddingCache = transfer.cacheDir ? directoryEmbeddingCache(transfer.cacheDir) : new Map();
  const result = await embedImageFiles({
    backbone, dataDir: transfer.dataDir, count: indices.length, readFile: (i) => transfer.readImage(indices[i]),
    workers: transfer.workers ?? 2, cache, maxSeconds, signal, onProgress,
  });
  if (!result.fits) {
    return { summary: { backbone, offered: false, reason: result.reason, samples: indices.length, cacheHits: 0, seconds: result.seconds, ...(Number.isFinite(result.estimatedSeconds) ? { estimatedSeconds: result.estimatedSeconds } : {}) } };
  }
  const features = result.info.featureSize;
  const x = new Float32Array(dataset.targets.length * features);
  indices.forEach((index, i) => x.set(result.x.subarray(i * features, (i + 1) * features), index * features));
  return {
    pass: {
      info: result.info, spec: backboneImageSpec(result.info), view: { x, shape: [features], features: 'raw' },
      secondsPerImage: Number.isFinite(result.secondsPerImage) ? result.secondsPerImage : ASSUMED_SECONDS_PER_IMAGE,
    },
    summary: { backbone, offered: true, samples: indices.length, cacheHits: result.cacheHits, seconds: result.seconds },
  };
}

/** MobileNetV2 224×224, one core, decode included (measured 0.15–0.3 s here, quiet to loaded); used when every embedding was cached. */
const ASSUMED_SECONDS_PER_IMAGE = 0.2;
/**
 * A transfer winner's packaging, per image, in units of the embedding pass's seconds per image (measured on the
 * nsfwjs MobileNetV2, load 9 on 2 cores: embedding 0.31 s, LiteRT.js calibration 0.67 s — its probe model lists
 * every activation as an output, which sends the runtime to slower kernels — float32 + int8 inference 0.1 s).
 */
const CALIBRATION_PER_EMBEDDING = 2.2;
const TEST_PER_EMBEDDING = 0.35;

/**
 * Seconds to keep for a transfer winner's packaging: calibrating the composite on 100 images through LiteRT.js (the
 * bulk of it) and running the test set through both files, scaled from the embedding pass's measured pace.
 */
export function transferPackagingSeconds(pass: TransferPass, trainSamples: number, testSamples: number): number {
  // Fewer training images than the calibration wants are repeated, and LiteRT.js runs each distinct one once.
  const calibrationRuns = Math.min(TRANSFER_CALIBRATION_SAMPLES, trainSamples);
  return pass.secondsPerImage * (CALIBRATION_PER_EMBEDDING * calibrationRuns + TEST_PER_EMBEDDING * testSamples) + 3;
}

/**
 * The least a transfer winner could cost beyond the search: starting the backbone for the pass, and packaging at a
 * fast machine's pace (0.1 s an image embedded). A budget that cannot hold this does not start the pass at all.
 */
export const MINIMUM_TRANSFER_SECONDS = EMBED_STARTUP_SECONDS + 0.1 * CALIBRATION_PER_EMBEDDING * TRANSFER_CALIBRATION_SAMPLES + 3;

/** Images as the composite takes them: decoded, centre-cropped, resized and normalized for the backbone (what the phone runs). */
export async function backboneInputs(images: readonly Uint8Array[], spec: ImageSpec): Promise<Float32Array> {
  const size = spec.width * spec.height * 3;
  const x = new Float32Array(images.length * size);
  for (const [i, file] of images.entries()) x.set(preprocessImage(await decodeImage(file), spec), i * size);
  return x;
}

/** The training samples whose image files calibrate a transfer winner's int8 ranges: a seeded draw of at most 100. */
export function transferCalibrationIndices(trainIndices: readonly number[], seed: number): number[] {
  const random = createRandom(seed);
  const pool = [...trainIndices];
  const picked: number[] = [];
  while (picked.length < TRANSFER_CALIBRATION_SAMPLES && pool.length > 0) picked.push(pool.splice(Math.floor(random.next() * pool.length), 1)[0]);
  if (picked.length === 0) throw new Error('No training images to calibrate the int8 composite on.');
  return picked;
}

/** What packaging a transfer winner needs, all of it plain data (it crosses to the finisher's thread). */
export interface TransferPackage {
  /** The winning head, float32 TFLite trained on embeddings. */
  head: Uint8Array;
  backbone: string;
  dataDir: string;
  spec: ImageSpec;
  /** The dataset as the composite sees it (`transferDataset`), for the metadata; its samples are not needed. */
  dataset: LoadedDataset;
  /** The head's input shape (the backbone's embedding). */
  embeddingShape: number[];
  /** Encoded image files (JPEG, PNG, …) of the calibration samples (`transferCalibrationIndices`). */
  calibrationImages: Uint8Array[];
  name: string;
}

/**
 * The winning head after the backbone, as one image classifier: float32, and int8 calibrated through LiteRT.js on
 * the given training images; both with image metadata for the backbone's input. Seconds of CPU (calibrating a
 * MobileNetV2 on 100 images): the pipeline runs it on the finisher's thread.
 */
export async function packageTransferModel(request: TransferPackage): Promise<ModelFiles> {
  await initWasmBackend();
  const backbone = await loadBackbone(request.backbone, { dataDir: request.dataDir });
  const composite = composeTransferTflite(backbone, parseModel(request.head));
  const size = request.spec.width * request.spec.height * 3;
  const images = await backboneInputs(request.calibrationImages, request.spec);
  const representative = request.calibrationImages.map((_, i) => images.subarray(i * size, (i + 1) * size));
  // Small datasets repeat their images: quantizeInt8 wants at least 100 representative inputs.
  for (let i = 0; representative.length < TRANSFER_CALIBRATION_SAMPLES; i++) representative.push(representative[i % request.calibrationImages.length]);
  const ranges = await calibrateLiteRt(composite, representative);
  const { metadata, files } = metadataFor(request.dataset, request.name, 'raw', [1, ...request.embeddingShape]);
  return {
    float32: serializeWithMetadata(composite, metadata, files),
    int8: serializeWithMetadata(quantizeInt8(composite, { representativeData: representative, ranges }), metadata, files),
  };
}

/** The dataset as a transfer winner's model sees it: images of the backbone's size and normalization. */
export function transferDataset(dataset: LoadedDataset, pass: Pick<TransferPass, 'spec'>): LoadedDataset {
  const { width, height, mean, std } = pass.spec;
  return { ...dataset, shape: [height, width, 3], imageNormalization: { mean, std } };
}
