/**
 * Metadata for models whose input is not an image: feature vectors (tabular / sensor features,
 * with names, units and ranges), text (int32 token ids with a RegexTokenizer and its vocabulary, as
 * the TFLite Task Library's NLClassifier reads them) and anomaly detectors (one score output and
 * its calibrated threshold). Each helper returns `{ metadata, files }` for `serializeWithMetadata`.
 */
import type { AssociatedFile, ModelMetadata, TensorMetadata } from './metadata.ts';
import { LABELS_FILE, readMetadata, textLines } from './model-package.ts';

export const VOCABULARY_FILE = 'vocab.txt';
/** How a text model with character n-grams computes its ids (TOKENIZER_FORMAT), beside vocab.txt. */
export const TOKENIZER_FILE = 'tokenizer.json';
export const TOKENIZER_FORMAT = 'offgrid.text-ids.v1';
export const FEATURES_FILE = 'features.txt';
/** What the Task Library's NLClassifier examples use: split on anything but word characters and apostrophes. */
export const DEFAULT_DELIM_REGEX = "[^\\w\\']+";

type Files = Record<string, Uint8Array>;

interface ModelInfo {
  name: string;
  description?: string;
  version?: string;
  author?: string;
  license?: string;
}

export interface FeatureDescription {
  name: string;
  /** Unit of the value the model receives (after any preprocessing), e.g. "m/s²", "dB". */
  unit?: string;
  /** Range seen in the training data, recorded as Stats. */
  min?: number;
  max?: number;
}

const encodeLines = (lines: readonly string[]) => new TextEncoder().encode(lines.join('\n') + '\n');

function checkLines(what: string, lines: readonly string[]): void {
  const bad = lines.findIndex((l) => l === '' || /[\r\n]/.test(l));
  if (bad >= 0) throw new Error(`${what} ${bad} is empty or contains a line break (the file holds one per line): ${JSON.stringify(lines[bad])}`);
}

function withModelInfo(info: ModelInfo, inputs: TensorMetadata[], outputs: TensorMetadata[]): ModelMetadata {
  const metadata: ModelMetadata = { ...info, inputs, outputs };
  for (const key of ['description', 'version', 'author', 'license'] as const) if (metadata[key] === undefined) delete metadata[key];
  return metadata;
}

/**
 * Input metadata for a feature vector `[1, F]`: FeatureProperties content, a description listing
 * every feature with its unit, per-feature Stats where every feature's range is known, and the
 * feature names as a TENSOR_AXIS_LABELS file (features.txt) annotating the input's last axis.
 */
export function featureInputMetadata(features: readonly FeatureDescription[], inputShape: readonly number[]): { tensor: TensorMetadata; files: Files } {
  const size = inputShape.slice(1).reduce((p, d) => p * d, 1);
  if (features.length !== size) throw new Error(`${features.length} feature descriptions for an input of shape [${inputShape}] (${size} values)`);
  checkLines('Feature name', features.map((f) => f.name));
  const tensor: TensorMetadata = {
    name: 'features',
    description: `Feature vector: ${features.map((f) => (f.unit ? `${f.name} [${f.unit}]` : f.name)).join(', ')}`,
    content: { kind: 'feature' },
    associatedFiles: [{ name: FEATURES_FILE, description: 'Feature names, in input order', type: 'TENSOR_AXIS_LABELS' }],
  };
  if (features.every((f) => f.min !== undefined && f.max !== undefined)) {
    tensor.stats = { min: features.map((f) => f.min as number), max: features.map((f) => f.max as number) };
  }
  return { tensor, files: { [FEATURES_FILE]: encodeLines(features.map((f) => f.name)) } };
}

export interface FeatureClassifierMetadataOptions extends ModelInfo {
  labels: readonly string[];
  features: readonly FeatureDescription[];
  inputShape: readonly number[];
}

/** A classifier over a feature vector: feature metadata in, probabilities with labels.txt out. */
export function featureClassifierMetadata(options: FeatureClassifierMetadataOptions): { metadata: ModelMetadata; files: Files } {
  const { labels, features, inputShape, ...info } = options;
  checkLines('Label', labels);
  const input = featureInputMetadata(features, inputShape);
  const metadata = withModelInfo(info, [input.tensor], [probabilityOutput(labels.length)]);
  return { metadata, files: { ...input.files, [LABELS_FILE]: encodeLines(labels) } };
}

function probabilityOutput(count: number): TensorMetadata {
  return {
    name: 'probability',
    description: `Probabilities of the ${count} labels`,
    content: { kind: 'feature' },
    stats: { min: [0], max: [1] },
    associatedFiles: [{ name: LABELS_FILE, description: 'Labels for the output classes', type: 'TENSOR_AXIS_LABELS' }],
  };
}

export interface TextClassifierMetadataOptions extends ModelInfo {
  labels: readonly string[];
  /** Tokens by id: vocabulary[id] is the token (ids 0..2 are <PAD>, <START>, <UNKNOWN> by convention). */
  vocabulary: readonly string[];
  /** The model's input shape, [1, sequenceLength] int32 ids. */
  inputShape: readonly number[];
  /** Regex that splits text into tokens (default DEFAULT_DELIM_REGEX). */
  delimRegexPattern?: string;
  /** Hashed character n-gram ids after each word's id (see TextTokenizer); absent: word ids only. */
  charNgrams?: { minN: number; maxN: number; buckets: number };
}

/** What tokenizer.json says: enough for any runtime to compute the model's ids (features' encodeText is the reference). */
export interface TextTokenizer {
  format: typeof TOKENIZER_FORMAT;
  steps: string[];
  delimRegexPattern: string;
  seqLength: number;
  vocabularyFile: string;
  specialTokens: { pad: 0; start: 1; unknown: 2 };
  charNgrams?: { minN: number; maxN: number; buckets: number; idOffset: number; hash: 'FNV-1a 32-bit of the UTF-8 bytes'; wordStartMark: '<'; wordEndMark: '>' };
}

function textTokenizer(delimRegexPattern: string, seqLength: number, vocabularySize: number, charNgrams: NonNullable<TextClassifierMetadataOptions['charNgrams']>): TextTokenizer {
  return {
    format: TOKENIZER_FORMAT,
    steps: [
      'Unicode NFKC, then lowercase (locale-independent)',
      'split on delimRegexPattern (Unicode property classes), drop empty tokens',
      `ids: <START>, then per token its id in ${VOCABULARY_FILE} (<UNKNOWN> if absent) followed by the ids of its character n-grams`,
      'n-grams of a token: wordStartMark + token + wordEndMark as Unicode code points; every run of n code points, n = minN..maxN, n ascending then position; id = idOffset + (hash of the run\'s UTF-8 bytes mod buckets)',
      'truncate to seqLength, pad with <PAD>',
    ],
    delimRegexPattern, seqLength, vocabularyFile: VOCABULARY_FILE, specialTokens: { pad: 0, start: 1, unknown: 2 },
    charNgrams: { ...charNgrams, idOffset: vocabularySize, hash: 'FNV-1a 32-bit of the UTF-8 bytes', wordStartMark: '<', wordEndMark: '>' },
  };
}

/**
 * A text classifier as the Task Library's NLClassifier expects it: input 0 int32 ids with a
 * RegexTokenizer process unit whose VOCABULARY file has "token id" per line, output 0 the class
 * probabilities with labels.txt.
 */
export function textClassifierMetadata(options: TextClassifierMetadataOptions): { metadata: ModelMetadata; files: Files } {
  const { labels, vocabulary, inputShape, delimRegexPattern = DEFAULT_DELIM_REGEX, charNgrams, ...info } = options;
  if (inputShape.length !== 2 || inputShape[0] !== 1) throw new Error(`Text classifier input must be [1, sequenceLength] token ids; got [${inputShape}]`);
  checkLines('Label', labels);
  const bad = vocabulary.findIndex((token) => token === '' || /\s/.test(token));
  if (bad >= 0) throw new Error(`Vocabulary token ${bad} is empty or contains whitespace (the file holds "token id" per line): ${JSON.stringify(vocabulary[bad])}`);
  const vocabFile: AssociatedFile = { name: VOCABULARY_FILE, description: 'Vocabulary: "token id" per line', type: 'VOCABULARY' };
  const files: Files = { [VOCABULARY_FILE]: encodeLines(vocabulary.map((token, id) => `${token} ${id}`)), [LABELS_FILE]: encodeLines(labels) };
  if (!charNgrams) {
    const input: TensorMetadata = {
      name: 'input_text',
      description: `Token ids of the text, ${inputShape[1]} long (padded with 0), from the regex tokenizer and vocabulary`,
      content: { kind: 'feature' },
      regexTokenizer: { delimRegexPattern, vocabFile },
    };
    return { metadata: withModelInfo(info, [input], [probabilityOutput(labels.length)]), files };
  }
  // No RegexTokenizerOptions here: the Task Library would compute word ids only and run the model on half its input
  // without a word of warning; without the process unit it refuses the model instead.
  const tokenizer = textTokenizer(delimRegexPattern, inputShape[1], vocabulary.length, charNgrams);
  const input: TensorMetadata = {
    name: 'input_text',
    description: `Token ids of the text, ${inputShape[1]} long (padded with 0): each word's id from ${VOCABULARY_FILE} followed by its hashed character ${charNgrams.minN}–${charNgrams.maxN}-gram ids (${charNgrams.buckets} buckets after the vocabulary), as ${TOKENIZER_FILE} describes`,
    content: { kind: 'feature' },
    associatedFiles: [vocabFile, { name: TOKENIZER_FILE, description: `How to compute the ids (${TOKENIZER_FORMAT})`, type: 'DESCRIPTIONS' }],
  };
  files[TOKENIZER_FILE] = new TextEncoder().encode(JSON.stringify(tokenizer, null, 2) + '\n');
  return { metadata: withModelInfo(info, [input], [probabilityOutput(labels.length)]), files };
}

/** A text model's tokenizer.json (models with character n-grams), or undefined. */
export function readTextTokenizer(bytes: Uint8Array, input = 0): TextTokenizer | undefined {
  const { metadata, files } = readMetadata(bytes);
  const file = metadata?.inputs[input]?.associatedFiles?.find((f) => f.name === TOKENIZER_FILE);
  const data = file && files.get(file.name);
  if (!data) return undefined;
  const tokenizer = JSON.parse(new TextDecoder().decode(data)) as TextTokenizer;
  if (tokenizer.format !== TOKENIZER_FORMAT) throw new Error(`${TOKENIZER_FILE} is "${String(tokenizer.format)}", not ${TOKENIZER_FORMAT}: a newer Offgrid wrote this model`);
  return tokenizer;
}

/** The vocabulary of a text model (tokens by id), from its RegexTokenizer's or its input's VOCABULARY file, or undefined. */
export function readVocabulary(bytes: Uint8Array, input = 0): string[] | undefined {
  const { metadata, files } = readMetadata(bytes);
  const tensor = metadata?.inputs[input];
  const file = tensor?.regexTokenizer?.vocabFile ?? tensor?.associatedFiles?.find((f) => f.type === 'VOCABULARY');
  const data = file && files.get(file.name);
  if (!data) return undefined;
  const vocabulary: string[] = [];
  for (const line of textLines(data)) {
    const [token, id] = line.split(' ');
    vocabulary[Number(id)] = token;
  }
  return vocabulary;
}

export interface AnomalyDetectorMetadataOptions extends ModelInfo {
  features: readonly FeatureDescription[];
  inputShape: readonly number[];
  /** Score above which an input is an anomaly (calibrated on held-out normal data). */
  threshold: number;
  /** The false-alarm rate the threshold was calibrated for, stated in the description. */
  falseAlarmRate: number;
}

/**
 * An anomaly detector: feature-vector input, one output `[1, 1]` = the anomaly score (mean squared
 * reconstruction error). The threshold is recorded machine-readably as the output's
 * ScoreThresholdingOptions (scores below it are normal) and in the output description.
 */
export function anomalyDetectorMetadata(options: AnomalyDetectorMetadataOptions): { metadata: ModelMetadata; files: Files } {
  const { features, inputShape, threshold, falseAlarmRate, ...info } = options;
  const input = featureInputMetadata(features, inputShape);
  const output: TensorMetadata = {
    name: 'anomaly_score',
    description: `Anomaly score: mean squared reconstruction error of the input. Score > ${threshold} means anomaly (threshold calibrated on held-out normal data for a ${(falseAlarmRate * 100).toFixed(2)}% false-alarm rate)`,
    content: { kind: 'feature' },
    scoreThreshold: threshold,
  };
  return { metadata: withModelInfo(info, [input.tensor], [output]), files: input.files };
}

/** The anomaly threshold recorded by `anomalyDetectorMetadata`, or undefined. */
export function readAnomalyThreshold(bytes: Uint8Array): number | undefined {
  return readMetadata(bytes).metadata?.outputs[0]?.scoreThreshold;
}
