/// <reference types="node" />
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseLabels } from './labels.ts';

it('parses comma-separated labels', () => {
  assert.deepEqual(parseLabels(' apple, banana ,,apple, orange '), ['apple', 'banana', 'orange']);
  assert.deepEqual(parseLabels(''), []);
});

it('keeps labels in Unicode NFC, as the server stores them: two spellings of one label are one', () => {
  assert.deepEqual(parseLabels('cafe\u0301, caf\u00e9, the\u0301'), ['caf\u00e9', 'th\u00e9']);
});

it('refuses what the server refuses: control characters and labels over 64 characters', () => {
  assert.throws(() => parseLabels('cat, d\tog'), { message: '“d\\tog” contains a tab, line break or other control character; a label is one line of text.' });
  assert.throws(() => parseLabels('cat\u0000, dog'), { message: '“cat\\u0000” contains a tab, line break or other control character; a label is one line of text.' });
  assert.throws(() => parseLabels('te\u2028mp, rpm', 'feature name'), { message: '“te\\u2028mp” contains a tab, line break or other control character; a feature name is one line of text.' });
  assert.throws(() => parseLabels(`cat, ${'d'.repeat(65)}`), { message: `“${'d'.repeat(64)}…” has 65 characters; a label has at most 64.` });
  assert.deepEqual(parseLabels(`cat, ${'d'.repeat(64)}`), ['cat', 'd'.repeat(64)]);
});
