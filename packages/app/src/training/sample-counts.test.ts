import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accuracyOf, roughNote } from './sample-counts.ts';

test('an accuracy says how many samples it rests on; below 50 a plain warning', () => {
  assert.equal(accuracyOf(1, 9), '100.0% of 9');
  assert.equal(accuracyOf(0.9, undefined), '90.0%');
  assert.equal(roughNote(9), 'This accuracy is a rough figure: it was measured on only 9 samples (one sample moves it by 11 points). Capture more data for a number you can trust.');
  assert.match(roughNote(1, 'The test accuracy')!, /^The test accuracy .* only 1 sample \(one sample moves it by 100 points\)/);
  assert.equal(roughNote(50), undefined);
  assert.equal(roughNote(undefined), undefined);
});
