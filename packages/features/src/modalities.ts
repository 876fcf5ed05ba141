/**
 * The product's words (docs/modalities.md), defined once for the phone, the server, the pipeline and the engine.
 * The lists are frozen, like Transformers.js' task registry: adding a modality or a task is an edit here, never a
 * push at run time, and the types follow the lists.
 */

/** What one sample of a project is; fixed at creation. The order is the API's enum order and the app's menu order. */
export const MODALITIES = Object.freeze(['image', 'audio', 'motion', 'text', 'tabular'] as const);
export type Modality = (typeof MODALITIES)[number];

/** What a project's model does: tell its labels apart, or score how far a sample is from normal. */
export const TASKS = Object.freeze(['classify', 'anomaly'] as const);
export type Task = (typeof TASKS)[number];

/** Modalities an anomaly model (one anomaly score) exists for. */
export const ANOMALY_MODALITIES: readonly Modality[] = Object.freeze(['motion', 'tabular'] as const);

/** Anomaly projects learn "normal" from the samples with this label; other labels are known anomalies. */
export const NORMAL_LABEL = 'normal';

/** Beyond this many pixels an image is refused before decoding (decompression bombs), on upload and in training. */
export const MAX_IMAGE_PIXELS = 40_000_000;
