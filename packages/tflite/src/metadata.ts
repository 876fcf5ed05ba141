/**
 * TFLite Metadata (tensorflow/tflite-support `metadata_schema.fbs`, file identifier M001):
 * encoder and decoder for the subset image classifiers need — model name/version/author/
 * license, input ImageProperties + NormalizationOptions, stats, and associated files such as
 * the TENSOR_AXIS_LABELS labels file. Field ids are commented next to each table.
 */
import { Builder } from 'flatbuffers';
import type { Offset } from 'flatbuffers';
import { Table, float32Vector, offsetVector } from './fb.ts';

export const METADATA_BUFFER_NAME = 'TFLITE_METADATA';
export const METADATA_FILE_IDENTIFIER = 'M001';
/**
 * Oldest metadata parser that understands what we write: 1.0.0 for everything but the VOCABULARY
 * file type (1.0.1) and RegexTokenizerOptions (1.2.1). `encodeMetadata` computes the version of
 * the newest field used, as the upstream populator does (`minParserVersionOf`).
 */
export const MIN_PARSER_VERSION = '1.0.0';

/** enum AssociatedFileType : byte */
export const ASSOCIATED_FILE_TYPE = {
  UNKNOWN: 0, DESCRIPTIONS: 1, TENSOR_AXIS_LABELS: 2, TENSOR_VALUE_LABELS: 3, TENSOR_AXIS_SCORE_CALIBRATION: 4, VOCABULARY: 5,
} as const;
export type AssociatedFileType = keyof typeof ASSOCIATED_FILE_TYPE;

/** enum ColorSpaceType : byte */
export const COLOR_SPACE = { UNKNOWN: 0, RGB: 1, GRAYSCALE: 2 } as const;
export type ColorSpace = keyof typeof COLOR_SPACE;

export interface AssociatedFile {
  name: string;
  description?: string;
  type: AssociatedFileType;
  locale?: string;
}

export type TensorContent =
  | { kind: 'image'; colorSpace: ColorSpace; width?: number; height?: number }
  | { kind: 'feature' };

export interface TensorMetadata {
  name?: string;
  description?: string;
  content?: TensorContent;
  /** NormalizationOptions process unit: the model expects (x - mean) / std, per channel. */
  normalization?: { mean: number[]; std: number[] };
  /**
   * RegexTokenizerOptions process unit (text input of int32 ids): split on `delimRegexPattern`,
   * map tokens to ids with the VOCABULARY file ("token id" per line), as the Task Library's
   * NLClassifier does.
   */
  regexTokenizer?: { delimRegexPattern: string; vocabFile: AssociatedFile };
  /** ScoreThresholdingOptions process unit: the recommended threshold for this output's scores. */
  scoreThreshold?: number;
  stats?: { min: number[]; max: number[] };
  associatedFiles?: AssociatedFile[];
}

export interface ModelMetadata {
  name: string;
  description?: string;
  version?: string;
  author?: string;
  license?: string;
  /** Metadata of the single subgraph, one entry per model input / output, in order. */
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
  associatedFiles?: AssociatedFile[];
  /** Written as MIN_PARSER_VERSION when absent. */
  minParserVersion?: string;
}

// Union positions (1-based; 0 is NONE).
const CONTENT_PROPERTIES = { FeatureProperties: 1, ImageProperties: 2 } as const;
const PROCESS_UNIT_OPTIONS = { NormalizationOptions: 1, ScoreThresholdingOptions: 3, RegexTokenizerOptions: 6 } as const;

/** The newest schema version any field of `metadata` needs (the upstream populator's min_parser_version). */
export function minParserVersionOf(metadata: ModelMetadata): string {
  const tensors = [...metadata.inputs, ...metadata.outputs];
  if (tensors.some((t) => t.regexTokenizer)) return '1.2.1';
  const files = [...(metadata.associatedFiles ?? []), ...tensors.flatMap((t) => [...(t.associatedFiles ?? []), ...(t.regexTokenizer ? [t.regexTokenizer.vocabFile] : [])])];
  if (files.some((f) => f.type === 'VOCABULARY')) return '1.0.1';
  return MIN_PARSER_VERSION;
}

const keyOf = <T extends Record<string, number>>(table: T, value: number): keyof T =>
  (Object.keys(table).find((k) => table[k] === value) ?? Object.keys(table)[0]) as keyof T;

const str = (b: Builder, s: string | undefined) => (s === undefined ? 0 : b.createString(s));

function associatedFiles(b: Builder, files: AssociatedFile[] | undefined): Offset {
  if (!files || files.length === 0) return 0;
  const tables = files.map((f) => {
    const [name, description, locale] = [str(b, f.name), str(b, f.description), str(b, f.locale)];
    // AssociatedFile: name 0, description 1, type 2, locale 3
    b.startObject(4);
    if (name) b.addFieldOffset(0, name, 0);
    if (description) b.addFieldOffset(1, description, 0);
    b.addFieldInt8(2, ASSOCIATED_FILE_TYPE[f.type], null);
    if (locale) b.addFieldOffset(3, locale, 0);
    return b.endObject();
  });
  return offsetVector(b, tables);
}

function contentProperties(b: Builder, c: TensorContent): Offset {
  if (c.kind !== 'image') {
    b.startObject(0); // FeatureProperties has no fields
    return b.endObject();
  }
  let size = 0;
  if (c.width !== undefined && c.height !== undefined) {
    // ImageSize: width 0, height 1
    b.startObject(2);
    b.addFieldInt32(0, c.width, null);
    b.addFieldInt32(1, c.height, null);
    size = b.endObject();
  }
  // ImageProperties: color_space 0, default_size 1
  b.startObject(2);
  b.addFieldInt8(0, COLOR_SPACE[c.colorSpace], null);
  if (size) b.addFieldOffset(1, size, 0);
  return b.endObject();
}

function content(b: Builder, c: TensorContent): Offset {
  const properties = contentProperties(b, c);
  // Content: content_properties_type 0, content_properties 1, range 2
  b.startObject(3);
  b.addFieldInt8(0, c.kind === 'image' ? CONTENT_PROPERTIES.ImageProperties : CONTENT_PROPERTIES.FeatureProperties, null);
  b.addFieldOffset(1, properties, 0);
  return b.endObject();
}

function processUnit(b: Builder, type: number, options: Offset): Offset {
  // ProcessUnit: options_type 0, options 1
  b.startObject(2);
  b.addFieldInt8(0, type, null);
  b.addFieldOffset(1, options, 0);
  return b.endObject();
}

/** The tensor's process units, in the order readers apply them: normalization, tokenizer, score threshold. */
function processUnits(b: Builder, t: TensorMetadata): Offset {
  const units: Offset[] = [];
  if (t.normalization) {
    const mean = float32Vector(b, t.normalization.mean);
    const std = float32Vector(b, t.normalization.std);
    // NormalizationOptions: mean 0, std 1
    b.startObject(2);
    b.addFieldOffset(0, mean, 0);
    b.addFieldOffset(1, std, 0);
    units.push(processUnit(b, PROCESS_UNIT_OPTIONS.NormalizationOptions, b.endObject()));
  }
  if (t.regexTokenizer) {
    const pattern = b.createString(t.regexTokenizer.delimRegexPattern);
    const vocab = associatedFiles(b, [t.regexTokenizer.vocabFile]);
    // RegexTokenizerOptions: delim_regex_pattern 0, vocab_file 1
    b.startObject(2);
    b.addFieldOffset(0, pattern, 0);
    b.addFieldOffset(1, vocab, 0);
    units.push(processUnit(b, PROCESS_UNIT_OPTIONS.RegexTokenizerOptions, b.endObject()));
  }
  if (t.scoreThreshold !== undefined) {
    // ScoreThresholdingOptions: global_score_threshold 0
    b.startObject(1);
    b.addFieldFloat32(0, t.scoreThreshold, null);
    units.push(processUnit(b, PROCESS_UNIT_OPTIONS.ScoreThresholdingOptions, b.endObject()));
  }
  return units.length > 0 ? offsetVector(b, units) : 0;
}

function stats(b: Builder, t: TensorMetadata): Offset {
  if (!t.stats) return 0;
  const max = float32Vector(b, t.stats.max);
  const min = float32Vector(b, t.stats.min);
  // Stats: max 0, min 1
  b.startObject(2);
  b.addFieldOffset(0, max, 0);
  b.addFieldOffset(1, min, 0);
  return b.endObject();
}

function tensor(b: Builder, t: TensorMetadata): Offset {
  const [name, description] = [str(b, t.name), str(b, t.description)];
  const contentOffset = t.content ? content(b, t.content) : 0;
  const units = processUnits(b, t);
  const statsOffset = stats(b, t);
  const files = associatedFiles(b, t.associatedFiles);
  // TensorMetadata: name 0, description 1, dimension_names 2, content 3, process_units 4,
  // stats 5, associated_files 6
  b.startObject(7);
  if (name) b.addFieldOffset(0, name, 0);
  if (description) b.addFieldOffset(1, description, 0);
  if (contentOffset) b.addFieldOffset(3, contentOffset, 0);
  if (units) b.addFieldOffset(4, units, 0);
  if (statsOffset) b.addFieldOffset(5, statsOffset, 0);
  if (files) b.addFieldOffset(6, files, 0);
  return b.endObject();
}

export function encodeMetadata(metadata: ModelMetadata): Uint8Array {
  const b = new Builder(1024);
  const inputs = offsetVector(b, metadata.inputs.map((t) => tensor(b, t)));
  const outputs = offsetVector(b, metadata.outputs.map((t) => tensor(b, t)));
  // SubGraphMetadata: name 0, description 1, input_tensor_metadata 2, output_tensor_metadata 3,
  // associated_files 4, input_process_units 5, output_process_units 6
  b.startObject(7);
  b.addFieldOffset(2, inputs, 0);
  b.addFieldOffset(3, outputs, 0);
  const subgraphs = offsetVector(b, [b.endObject()]);

  const [name, description, version, author, license] = [metadata.name, metadata.description, metadata.version, metadata.author, metadata.license].map((text) => str(b, text));
  const files = associatedFiles(b, metadata.associatedFiles);
  const minParserVersion = str(b, metadata.minParserVersion ?? minParserVersionOf(metadata));
  // ModelMetadata: name 0, description 1, version 2, subgraph_metadata 3, author 4, license 5,
  // associated_files 6, min_parser_version 7
  b.startObject(8);
  b.addFieldOffset(0, name, 0);
  if (description) b.addFieldOffset(1, description, 0);
  if (version) b.addFieldOffset(2, version, 0);
  b.addFieldOffset(3, subgraphs, 0);
  if (author) b.addFieldOffset(4, author, 0);
  if (license) b.addFieldOffset(5, license, 0);
  if (files) b.addFieldOffset(6, files, 0);
  b.addFieldOffset(7, minParserVersion, 0);
  b.finish(b.endObject(), METADATA_FILE_IDENTIFIER);
  return b.asUint8Array().slice();
}

export function decodeMetadata(bytes: Uint8Array): ModelMetadata {
  const identifier = new TextDecoder().decode(bytes.subarray(4, 8));
  if (identifier !== METADATA_FILE_IDENTIFIER) throw new Error(`Not TFLite metadata: file identifier "${identifier}", expected "${METADATA_FILE_IDENTIFIER}"`);
  const root = Table.root(bytes);
  const files = (t: Table, id: number): AssociatedFile[] | undefined => {
    const list = t.tables(id).map((f) => {
      const file: AssociatedFile = { name: f.string(0) ?? '', type: keyOf(ASSOCIATED_FILE_TYPE, f.int8(2)) };
      if (f.has(1)) file.description = f.string(1);
      if (f.has(3)) file.locale = f.string(3);
      return file;
    });
    return list.length > 0 ? list : undefined;
  };
  const tensor = (t: Table): TensorMetadata => {
    const result: TensorMetadata = {};
    if (t.has(0)) result.name = t.string(0);
    if (t.has(1)) result.description = t.string(1);
    const content = t.table(3);
    if (content) {
      const properties = content.table(1);
      if (content.uint8(0) === CONTENT_PROPERTIES.ImageProperties) {
        const image: TensorContent = { kind: 'image', colorSpace: keyOf(COLOR_SPACE, properties?.int8(0) ?? 0) };
        const size = properties?.table(1);
        if (size) Object.assign(image, { width: size.uint32(0), height: size.uint32(1) });
        result.content = image;
      } else {
        result.content = { kind: 'feature' };
      }
    }
    for (const unit of t.tables(4)) {
      const options = unit.table(1);
      if (!options) continue;
      const type = unit.uint8(0);
      if (type === PROCESS_UNIT_OPTIONS.NormalizationOptions) result.normalization = { mean: options.float32s(0), std: options.float32s(1) };
      if (type === PROCESS_UNIT_OPTIONS.ScoreThresholdingOptions) result.scoreThreshold = options.float32(0);
      const vocabFile = type === PROCESS_UNIT_OPTIONS.RegexTokenizerOptions && files(options, 1)?.[0];
      if (vocabFile) result.regexTokenizer = { delimRegexPattern: options.string(0) ?? '', vocabFile };
    }
    const stats = t.table(5);
    if (stats) result.stats = { min: stats.float32s(1), max: stats.float32s(0) };
    const associated = files(t, 6);
    if (associated) result.associatedFiles = associated;
    return result;
  };
  const subgraph = root.tables(3)[0];
  const metadata: ModelMetadata = {
    name: root.string(0) ?? '',
    inputs: subgraph ? subgraph.tables(2).map(tensor) : [],
    outputs: subgraph ? subgraph.tables(3).map(tensor) : [],
  };
  for (const [key, id] of [['description', 1], ['version', 2], ['author', 4], ['license', 5]] as const) {
    if (root.has(id)) metadata[key] = root.string(id);
  }
  const associated = files(root, 6);
  if (associated) metadata.associatedFiles = associated;
  if (root.has(7)) metadata.minParserVersion = root.string(7);
  return metadata;
}
