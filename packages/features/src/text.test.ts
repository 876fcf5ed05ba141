import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeText, learnVocabulary, parseVocabularyFile, tokenize, vocabularyFile, TEXT_DELIM_PATTERN } from './index.ts';

test('tokenize: NFKC, lowercase, letters/digits/apostrophes in any script', () => {
  assert.deepEqual(tokenize("Don't STOP—the ﬁle's 2nd line, café déjà-vu! Ｈｅｌｌｏ 東京 ١٢"), ["don't", 'stop', 'the', "file's", '2nd', 'line', 'café', 'déjà', 'vu', 'hello', '東京', '١٢']);
  assert.deepEqual(tokenize('  ...  '), []);
  // The pattern is the one written to the model metadata: the same split through a fresh RegExp.
  assert.deepEqual('a,b  c'.split(new RegExp(TEXT_DELIM_PATTERN, 'u')), ['a', 'b', 'c']);
});

test('learnVocabulary: specials first, by frequency, ties in code-unit order, minCount and maxTokens', () => {
  const texts = ['the cat sat', 'The dog sat', 'a cat! a Dog?', 'zebra'];
  assert.deepEqual(learnVocabulary(texts), ['<PAD>', '<START>', '<UNKNOWN>', 'a', 'cat', 'dog', 'sat', 'the', 'zebra']);
  assert.deepEqual(learnVocabulary(texts, { minCount: 2 }), ['<PAD>', '<START>', '<UNKNOWN>', 'a', 'cat', 'dog', 'sat', 'the']);
  assert.deepEqual(learnVocabulary(texts, { maxTokens: 5 }), ['<PAD>', '<START>', '<UNKNOWN>', 'a', 'cat']);
  assert.deepEqual(learnVocabulary(['Ä b B a a ä']), ['<PAD>', '<START>', '<UNKNOWN>', 'a', 'b', 'ä']);
  assert.throws(() => learnVocabulary(texts, { maxTokens: 2 }), /maxTokens must be an integer ≥ 3/);
});

test('encodeText: START, ids, UNKNOWN, truncation, PAD', () => {
  const vocabulary = learnVocabulary(['red green blue', 'red green', 'red']);
  assert.deepEqual(vocabulary.slice(3), ['red', 'green', 'blue']);
  assert.deepEqual([...encodeText('Blue, RED and purple', vocabulary, 8)], [1, 5, 3, 2, 2, 0, 0, 0]);
  assert.deepEqual([...encodeText('red red red red', vocabulary, 3)], [1, 3, 3]);
  assert.deepEqual([...encodeText('', vocabulary, 2)], [1, 0]);
  assert.throws(() => encodeText('x', ['a', 'b', 'c'], 4), /Vocabulary entry 0 must be <PAD>, got "a"/);
  assert.throws(() => encodeText('x', vocabulary, 0), /seqLength must be a positive integer/);
});

test('the vocabulary file is "token id" lines and reads back', () => {
  const vocabulary = learnVocabulary(["it's fine", 'fine']);
  const file = vocabularyFile(vocabulary);
  assert.equal(file, "<PAD> 0\n<START> 1\n<UNKNOWN> 2\nfine 3\nit's 4\n");
  assert.deepEqual(parseVocabularyFile(file), vocabulary);
  assert.throws(() => parseVocabularyFile('<PAD> 0\nfine\n'), /line 2 is not "token id"/);
  assert.throws(() => parseVocabularyFile('<PAD> 0\nfine 2\n'), /no token for id 1/);
});
