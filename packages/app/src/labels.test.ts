/// <reference types="node" />
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseLabels } from './labels.ts';

it('parses comma-separated labels', () => {
  assert.deepEqual(parseLabels(' apple, banana ,,apple, orange '), ['apple', 'banana', 'orange']);
  assert.deepEqual(parseLabels(''), []);
});
