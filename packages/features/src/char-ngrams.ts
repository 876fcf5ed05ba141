/**
 * Hashed character n-grams of words, fastText-style: a word w becomes "<" + w + ">" (the marks cannot occur inside a
 * token: the tokenizer splits on them), every run of n consecutive Unicode code points for n = minN..maxN is an
 * n-gram, and an n-gram's id is FNV-1a 32-bit of its UTF-8 bytes modulo `buckets`, placed after the word vocabulary.
 * Code points (not UTF-16 units) and UTF-8 bytes make the ids the same in any language a native app is written in.
 */

export interface CharNgramSpec {
  /** Shortest n-gram, in code points, boundary marks included (≥ 1). */
  minN: number;
  /** Longest n-gram (≥ minN). */
  maxN: number;
  /** Hash buckets: n-gram ids are vocabulary.length + (hash mod buckets). */
  buckets: number;
}

export const WORD_START_MARK = '<';
export const WORD_END_MARK = '>';
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export function validateCharNgramSpec(spec: CharNgramSpec): void {
  const { minN, maxN, buckets } = spec;
  if (!Number.isInteger(minN) || minN < 1 || !Number.isInteger(maxN) || maxN < minN) {
    throw new Error(`charNgrams: minN and maxN must be integers with 1 ≤ minN ≤ maxN, got minN ${minN}, maxN ${maxN}`);
  }
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > 2 ** 24) throw new Error(`charNgrams: buckets must be an integer in [1, 2^24], got ${buckets}`);
}

/** UTF-8 bytes of one code point (surrogate halves never reach here: Array.from splits by code point). */
function utf8(codePoint: number): number[] {
  if (codePoint < 0x80) return [codePoint];
  if (codePoint < 0x800) return [0xc0 | (codePoint >> 6), 0x80 | (codePoint & 0x3f)];
  if (codePoint < 0x10000) return [0xe0 | (codePoint >> 12), 0x80 | ((codePoint >> 6) & 0x3f), 0x80 | (codePoint & 0x3f)];
  return [0xf0 | (codePoint >> 18), 0x80 | ((codePoint >> 12) & 0x3f), 0x80 | ((codePoint >> 6) & 0x3f), 0x80 | (codePoint & 0x3f)];
}

/** FNV-1a 32-bit of a string's UTF-8 bytes, as an unsigned integer. */
export function fnv1a32(text: string): number {
  let hash = FNV_OFFSET;
  for (const char of text) {
    for (const byte of utf8(char.codePointAt(0)!)) hash = Math.imul(hash ^ byte, FNV_PRIME);
  }
  return hash >>> 0;
}

/** The n-grams of a word in emission order: n ascending, then position. */
export function charNgrams(word: string, minN: number, maxN: number): string[] {
  const chars = Array.from(WORD_START_MARK + word + WORD_END_MARK);
  const grams: string[] = [];
  for (let n = minN; n <= maxN; n++) {
    for (let start = 0; start + n <= chars.length; start++) grams.push(chars.slice(start, start + n).join(''));
  }
  return grams;
}

/** Bucket of each n-gram of `word` (0..buckets-1), in charNgrams order. */
export function charNgramBuckets(word: string, spec: CharNgramSpec): number[] {
  return charNgrams(word, spec.minN, spec.maxN).map((gram) => fnv1a32(gram) % spec.buckets);
}
