/**
 * Text preprocessing shared by the server (training) and the phone (prediction): NFKC, lowercase, split on
 * TEXT_DELIM_PATTERN, ids from a vocabulary whose first entries are <PAD>=0, <START>=1, <UNKNOWN>=2; a sequence is
 * <START>, the token ids, then <PAD> up to seqLength. Without `charNgrams` this is exactly the TFLite Task Library
 * NLClassifier's regex tokenizer (RegexTokenizerOptions in the model metadata); with it, each word's id is followed
 * by the ids of its hashed character n-grams (char-ngrams.ts), which the Task Library cannot compute.
 */
import { charNgramBuckets, validateCharNgramSpec, type CharNgramSpec } from './char-ngrams.ts';

/** Delimiters: anything that is not a letter, a digit or an apostrophe. Valid in JS (with the `u` flag) and RE2. */
export const TEXT_DELIM_PATTERN = "[^\\p{L}\\p{N}']+";

export const PAD_TOKEN = '<PAD>';
export const START_TOKEN = '<START>';
export const UNKNOWN_TOKEN = '<UNKNOWN>';
export const SPECIAL_TOKENS = Object.freeze([PAD_TOKEN, START_TOKEN, UNKNOWN_TOKEN] as const);
export const PAD_ID = 0;
export const START_ID = 1;
export const UNKNOWN_ID = 2;

export interface TextSpec {
  /** Ids per sample, <START> included. */
  seqLength: number;
  /** Vocabulary size cap, special tokens included. */
  maxTokens: number;
  /** Hashed character n-grams after each word's id; absent in models saved before them (words only). */
  charNgrams?: CharNgramSpec;
}

/**
 * For new datasets; a stored spec is used as stored (no charNgrams there means words only). Measured on the bench's
 * folds (bench/automl/RESULTS.md): n = 2..5 like the char TF-IDF baseline (3..6: −0.5 point); 2^14 buckets (2^15:
 * +0.5, twice the table); 512 ids (a fortune averages 327 with n-grams: 256 lost 4 points there; 128 lost 3 on the
 * one-line Debian descriptions, which average 143).
 */
export const DEFAULT_TEXT_SPEC: Readonly<TextSpec> = Object.freeze({
  seqLength: 512, maxTokens: 10000, charNgrams: Object.freeze({ minN: 2, maxN: 5, buckets: 16384 }),
});

/** Number of distinct ids (the embedding's input dimension): the vocabulary, then the n-gram buckets. */
export function textIdCount(vocabularyLength: number, charNgrams?: CharNgramSpec): number {
  return vocabularyLength + (charNgrams?.buckets ?? 0);
}

const delimiter = new RegExp(TEXT_DELIM_PATTERN, 'u');

/** Lowercased NFKC words (toLowerCase is locale-independent, so Node and every browser agree). */
export function tokenize(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().split(delimiter).filter((token) => token !== '');
}

/**
 * The vocabulary of a corpus, index = id: the special tokens, then tokens seen at least minCount times,
 * most frequent first, ties in code-unit order (not localeCompare, whose order depends on the platform).
 */
export function learnVocabulary(texts: Iterable<string>, options: { maxTokens?: number; minCount?: number } = {}): string[] {
  const { maxTokens = DEFAULT_TEXT_SPEC.maxTokens, minCount = 1 } = options;
  if (!Number.isInteger(maxTokens) || maxTokens < SPECIAL_TOKENS.length) throw new Error(`learnVocabulary: maxTokens must be an integer ≥ ${SPECIAL_TOKENS.length} (the special tokens), got ${maxTokens}`);
  const counts = new Map<string, number>();
  for (const text of texts) for (const token of tokenize(text)) counts.set(token, (counts.get(token) ?? 0) + 1);
  const ranked = [...counts].filter(([, count]) => count >= minCount)
    .sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, maxTokens - SPECIAL_TOKENS.length)
    .map(([token]) => token);
  return [...SPECIAL_TOKENS, ...ranked];
}

// Token → id maps, built once per vocabulary array (treat vocabularies as immutable).
const idMaps = new WeakMap<readonly string[], Map<string, number>>();

function idsOf(vocabulary: readonly string[]): Map<string, number> {
  let ids = idMaps.get(vocabulary);
  if (!ids) {
    SPECIAL_TOKENS.forEach((token, id) => {
      if (vocabulary[id] !== token) throw new Error(`Vocabulary entry ${id} must be ${token}, got ${JSON.stringify(vocabulary[id])}`);
    });
    ids = new Map(vocabulary.map((token, id) => [token, id]));
    idMaps.set(vocabulary, ids);
  }
  return ids;
}

/**
 * seqLength ids: <START>, then per token its id (<UNKNOWN> when not in the vocabulary) and, with `charNgrams`, the ids
 * vocabulary.length + bucket of its n-grams; truncated to fit, then <PAD>.
 */
export function encodeText(text: string, vocabulary: readonly string[], seqLength: number, charNgrams?: CharNgramSpec): Int32Array {
  if (!Number.isInteger(seqLength) || seqLength < 1) throw new Error(`encodeText: seqLength must be a positive integer, got ${seqLength}`);
  if (charNgrams) validateCharNgramSpec(charNgrams);
  const ids = idsOf(vocabulary);
  const out = new Int32Array(seqLength).fill(PAD_ID);
  out[0] = START_ID;
  let length = 1;
  for (const token of tokenize(text)) {
    if (length >= seqLength) break;
    out[length++] = ids.get(token) ?? UNKNOWN_ID;
    if (!charNgrams) continue;
    for (const bucket of charNgramBuckets(token, charNgrams)) {
      if (length >= seqLength) break;
      out[length++] = vocabulary.length + bucket;
    }
  }
  return out;
}

/** The Task Library's vocabulary file: one "token id" line per entry. */
export function vocabularyFile(vocabulary: readonly string[]): string {
  return vocabulary.map((token, id) => `${token} ${id}\n`).join('');
}

/** A vocabulary file back to the array (what the phone reads from the model's metadata). */
export function parseVocabularyFile(text: string): string[] {
  const vocabulary: string[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line === '') return;
    const match = /^(\S+) (\d+)$/.exec(line);
    if (!match) throw new Error(`Vocabulary file line ${index + 1} is not "token id": ${JSON.stringify(line)}`);
    vocabulary[Number(match[2])] = match[1];
  });
  for (let id = 0; id < vocabulary.length; id++) if (vocabulary[id] === undefined) throw new Error(`Vocabulary file has no token for id ${id}`);
  return vocabulary;
}
