import { test } from 'node:test';
import assert from 'node:assert/strict';
import { charNgramBuckets, learnVocabulary } from '@offgrid/features';
import type { ModelVersion } from '@offgrid/sdk';
import { encodeForModel, modelTextSpec } from './text-model.ts';

const vocabulary = learnVocabulary(['the soup was cold', 'the soup was great', 'great service']);
const model = (input: unknown) => ({ id: 'm', version: 2, labels: ['bad', 'good'], input }) as unknown as ModelVersion;
const textModel = (text: unknown) => model({ kind: 'text', shape: [16], dtype: 'int32', preprocessing: { text } });

test('encodes typed text with the model vocabulary: <START>, ids, <UNKNOWN> for new words, <PAD>', () => {
  const spec = modelTextSpec(textModel({ seqLength: 8, maxTokens: 100, vocabulary }));
  const encoded = encodeForModel('The SOUP was lukewarm!', spec);
  const id = (token: string) => vocabulary.indexOf(token);
  assert.deepEqual([...encoded.ids], [1, id('the'), id('soup'), id('was'), 2, 0, 0, 0]);
  assert.deepEqual([encoded.words, encoded.known], [4, 3]);
});

test('words past seqLength are not counted as known', () => {
  const spec = modelTextSpec(textModel({ seqLength: 3, maxTokens: 100, vocabulary }));
  const encoded = encodeForModel('great great great great', spec);
  assert.deepEqual([...encoded.ids], [1, vocabulary.indexOf('great'), vocabulary.indexOf('great')]);
  assert.deepEqual([encoded.words, encoded.known], [4, 2]);
});

test('with character n-grams: each word id is followed by its hashed n-gram ids; known counts the words that fit', () => {
  const charNgrams = { minN: 2, maxN: 3, buckets: 64 };
  const spec = modelTextSpec(textModel({ seqLength: 16, maxTokens: 100, vocabulary, charNgrams }));
  const encoded = encodeForModel('Soup zzz soup', spec);
  const grams = (word: string) => charNgramBuckets(word, charNgrams).map((b) => vocabulary.length + b);
  // 'soup' takes 1 + 5 + 4 slots, 'zzz' 1 + 4 + 3: the second 'soup' does not fit in 16.
  assert.deepEqual([...encoded.ids], [1, vocabulary.indexOf('soup'), ...grams('soup'), 2, ...grams('zzz')].slice(0, 16));
  assert.deepEqual([encoded.words, encoded.known], [3, 1]);
  assert.throws(() => modelTextSpec(textModel({ seqLength: 8, maxTokens: 100, vocabulary, charNgrams: { minN: 2, maxN: 5, buckets: -1 } })), /Model v2: charNgrams: buckets must be/);
});

test('a model without a usable vocabulary is refused with the reason', () => {
  assert.throws(() => modelTextSpec(model({ width: 128, height: 128 })), /Model v2 has no text preprocessing/);
  assert.throws(() => modelTextSpec(textModel({ seqLength: 8, maxTokens: 100 })), /vocabulary is missing or empty/);
  assert.throws(() => modelTextSpec(textModel({ seqLength: 8, maxTokens: 100, vocabulary: ['a', 'b', 'c', 'd'] })), /entry 0 must be <PAD>, got "a"/);
  assert.throws(() => modelTextSpec(textModel({ seqLength: 1, maxTokens: 100, vocabulary })), /seqLength must be an integer ≥ 2, got 1/);
});
