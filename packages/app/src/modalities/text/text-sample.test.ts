import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_TEXT_CHARACTERS, characterCount, textSampleBytes } from './text-sample.ts';

test('saves the trimmed text as UTF-8', () => {
  assert.equal(new TextDecoder().decode(textSampleBytes('  Crème brûlée, s’il vous plaît 🍮\n')), 'Crème brûlée, s’il vous plaît 🍮');
});

test('counts code points, like the server: an emoji is one character', () => {
  assert.equal(characterCount('🍮🍮'), 2);
  assert.equal('🍮🍮'.length, 4);
  assert.doesNotThrow(() => textSampleBytes('🍮'.repeat(MAX_TEXT_CHARACTERS)));
  assert.throws(() => textSampleBytes('🍮'.repeat(MAX_TEXT_CHARACTERS + 1)), /5001 characters; at most 5000/);
});

test('refuses empty and blank text', () => {
  assert.throws(() => textSampleBytes(''), /Type some text first/);
  assert.throws(() => textSampleBytes(' \n\t '), /Type some text first/);
});
