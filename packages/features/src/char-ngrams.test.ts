import { test } from 'node:test';
import assert from 'node:assert/strict';
import { charNgramBuckets, charNgrams, encodeText, fnv1a32, learnVocabulary, textIdCount, validateCharNgramSpec } from './index.ts';

test('fnv1a32: FNV-1a 32-bit over UTF-8 bytes (values from an independent Python implementation)', () => {
  // h = 0x811c9dc5; for b in s.encode(): h ^= b; h = (h * 0x01000193) & 0xffffffff
  assert.equal(fnv1a32(''), 2166136261);
  assert.equal(fnv1a32('a'), 3826002220);
  assert.equal(fnv1a32('<ab>'), 674621742);
  assert.equal(fnv1a32('é'), 513665217, 'two UTF-8 bytes');
  assert.equal(fnv1a32('🙂'), 1470331467, 'four UTF-8 bytes from one astral code point (two UTF-16 units)');
  assert.equal(fnv1a32('fé>'), 2505175009);
});

test('charNgrams: boundary marks, n ascending then position, code points not UTF-16 units', () => {
  assert.deepEqual(charNgrams('ab', 2, 3), ['<a', 'ab', 'b>', '<ab', 'ab>']);
  assert.deepEqual(charNgrams('a', 2, 5), ['<a', 'a>', '<a>']);
  assert.deepEqual(charNgrams('x🙂', 3, 3), ['<x🙂', 'x🙂>']);
  assert.deepEqual(charNgramBuckets('café', { minN: 3, maxN: 3, buckets: 1000 }), ['<ca', 'caf', 'afé', 'fé>'].map((g) => fnv1a32(g) % 1000));
});

test('encodeText with charNgrams: word id then its n-gram ids after the vocabulary, truncated, padded', () => {
  const vocabulary = learnVocabulary(['red green', 'red']);
  const spec = { minN: 2, maxN: 3, buckets: 100 };
  const v = vocabulary.length;
  const grams = (word: string) => charNgramBuckets(word, spec).map((b) => v + b);
  const ids = encodeText('Red, blue', vocabulary, 20, spec);
  const expected = [1, 3, ...grams('red'), 2, ...grams('blue')];
  assert.deepEqual([...ids], [...expected, ...Array(20 - expected.length).fill(0)]);
  assert.deepEqual([...encodeText('Red, blue', vocabulary, 6, spec)], expected.slice(0, 6));
  assert.deepEqual([...encodeText('Red, blue', vocabulary, 8)], [1, 3, 2, 0, 0, 0, 0, 0], 'no spec: words only, as before');
  assert.ok([...ids].every((id) => id < textIdCount(v, spec)));
  assert.equal(textIdCount(v), v);
  assert.throws(() => encodeText('x', vocabulary, 8, { minN: 3, maxN: 2, buckets: 10 }), /1 ≤ minN ≤ maxN/);
  assert.throws(() => validateCharNgramSpec({ minN: 2, maxN: 5, buckets: 0 }), /buckets must be an integer/);
});
