/**
 * A .tflite "with metadata" as the TFLite Support / MediaPipe tooling expects it: the metadata
 * flatbuffer in a model buffer named TFLITE_METADATA, and every associated file it names
 * zip-appended to the model (the flatbuffer ignores trailing bytes, so runtimes still load it).
 */
import type { TfliteModel } from './model.ts';
import { parseModel } from './reader.ts';
import { serializeModel } from './writer.ts';
import { appendZip, readZip } from './zip.ts';
import type { ZipEntry } from './zip.ts';
import { METADATA_BUFFER_NAME, decodeMetadata, encodeMetadata } from './metadata.ts';
import type { AssociatedFile, ModelMetadata } from './metadata.ts';

/** Every associated file named anywhere in the metadata. */
export function associatedFilesOf(metadata: ModelMetadata): AssociatedFile[] {
  const tensors = [...metadata.inputs, ...metadata.outputs];
  return [
    ...(metadata.associatedFiles ?? []),
    ...tensors.flatMap((t) => [...(t.associatedFiles ?? []), ...(t.regexTokenizer ? [t.regexTokenizer.vocabFile] : [])]),
  ];
}

/**
 * Serializes `model` with `metadata` and the associated `files` appended. Refuses metadata
 * that names a file missing from `files` (MediaPipe rejects such models at load time), and
 * tensor metadata whose count differs from the model's inputs/outputs.
 */
export function serializeWithMetadata(model: TfliteModel, metadata: ModelMetadata, files: Record<string, Uint8Array> = {}): Uint8Array {
  if (metadata.inputs.length !== model.inputs.length || metadata.outputs.length !== model.outputs.length) {
    throw new Error(`Metadata describes ${metadata.inputs.length} inputs / ${metadata.outputs.length} outputs; the model has ${model.inputs.length} / ${model.outputs.length}`);
  }
  const named = associatedFilesOf(metadata).map((f) => f.name);
  const missing = named.filter((name) => !(name in files));
  if (missing.length > 0) throw new Error(`Metadata names associated file(s) ${missing.join(', ')} but no content was given for them; pass them in files`);
  const entries: ZipEntry[] = Object.entries(files).map(([name, data]) => ({ name, data }));
  const withEntry: TfliteModel = {
    ...model,
    metadata: [...model.metadata.filter((m) => m.name !== METADATA_BUFFER_NAME), { name: METADATA_BUFFER_NAME, data: encodeMetadata(metadata) }],
  };
  const bytes = serializeModel(withEntry);
  return entries.length > 0 ? appendZip(bytes, entries) : bytes;
}

export interface ModelPackage {
  /** Undefined when the model carries no TFLITE_METADATA buffer. */
  metadata?: ModelMetadata;
  files: Map<string, Uint8Array>;
}

/** Reads the metadata and the associated files back from model bytes. */
export function readMetadata(bytes: Uint8Array): ModelPackage {
  const entry = parseModel(bytes).metadata.find((m) => m.name === METADATA_BUFFER_NAME);
  const files = new Map(readZip(bytes).map((e) => [e.name, e.data]));
  return { metadata: entry ? decodeMetadata(entry.data) : undefined, files };
}

/** Lines of a text file, without the empty string after a final line break. */
export function textLines(data: Uint8Array): string[] {
  return new TextDecoder().decode(data).split(/\r?\n/).filter((line, i, all) => line !== '' || i < all.length - 1);
}

/** Labels of output `output` (its first TENSOR_AXIS_LABELS file, one label a line), or undefined. */
export function readLabels(bytes: Uint8Array, output = 0): string[] | undefined {
  const { metadata, files } = readMetadata(bytes);
  const file = metadata?.outputs[output]?.associatedFiles?.find((f) => f.type === 'TENSOR_AXIS_LABELS');
  const data = file && files.get(file.name);
  return data && textLines(data);
}

export interface ImageClassifierMetadataOptions {
  name: string;
  description?: string;
  version?: string;
  author?: string;
  license?: string;
  /** Class names in output order; stored as labels.txt. */
  labels: readonly string[];
  /** The model's input shape, which must be [1, H, W, 3] for MediaPipe / the Task Library. */
  inputShape: readonly number[];
  /** How pixels in [0, 255] map to the model input: (pixel - mean) / std, per channel or one value. */
  normalization: { mean: number[]; std: number[] };
  /** Type of the model's input tensor: its stats are the normalized range for float32, 0..255 for uint8. */
  inputType?: 'float32' | 'uint8';
}

export const LABELS_FILE = 'labels.txt';

/**
 * Metadata and files that make the model a drop-in for MediaPipe's ImageClassifier and the
 * TFLite Task Library: RGB image input with normalization, output labels as TENSOR_AXIS_LABELS.
 */
export function imageClassifierMetadata(options: ImageClassifierMetadataOptions): { metadata: ModelMetadata; files: Record<string, Uint8Array> } {
  const shape = options.inputShape;
  if (shape.length !== 4 || shape[0] !== 1 || shape[3] !== 3) {
    throw new Error(`Image classifier input must be [1, H, W, 3] (MediaPipe refuses anything else; give grayscale data an RGB input); got [${shape}]`);
  }
  if (options.labels.some((l) => l.includes('\n'))) throw new Error('Labels must not contain line breaks (labels.txt holds one label a line)');
  const [, height, width] = shape;
  const { mean, std } = options.normalization;
  const metadata: ModelMetadata = {
    name: options.name,
    description: options.description,
    version: options.version,
    author: options.author,
    license: options.license,
    inputs: [{
      name: 'image',
      description: `RGB image, ${width}x${height}, normalized as (pixel - mean) / std`,
      content: { kind: 'image', colorSpace: 'RGB', width, height },
      normalization: { mean, std },
      // Range of the tensor's values, as TFLite Support's metadata writers record it.
      stats: options.inputType === 'uint8'
        ? { min: [0], max: [255] }
        : { min: mean.map((m, c) => (0 - m) / std[c % std.length]), max: mean.map((m, c) => (255 - m) / std[c % std.length]) },
    }],
    outputs: [{
      name: 'probability',
      description: `Probabilities of the ${options.labels.length} labels`,
      content: { kind: 'feature' },
      stats: { min: [0], max: [1] },
      associatedFiles: [{ name: LABELS_FILE, description: 'Labels for the output classes', type: 'TENSOR_AXIS_LABELS' }],
    }],
  };
  for (const key of ['description', 'version', 'author', 'license'] as const) if (metadata[key] === undefined) delete metadata[key];
  return { metadata, files: { [LABELS_FILE]: new TextEncoder().encode(options.labels.join('\n') + '\n') } };
}
