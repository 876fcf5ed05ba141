import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRandom } from './random.ts';

// Seeds are part of the tests' and benches' expected numbers (and of resumed training runs): these
// values pin the sequence, so any change to the generator shows here first.
test('createRandom: mulberry32, the same numbers for the same seed', () => {
  const random = createRandom(1);
  assert.deepEqual([random.next(), random.next(), random.next()], [0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);
  assert.equal(createRandom(-1).next(), createRandom(4294967295).next(), 'seeds are taken as uint32');
});

test('createRandom: resuming from state() continues the same sequence', () => {
  const random = createRandom(42);
  random.next();
  const resumed = createRandom(42, random.state());
  assert.deepEqual([resumed.next(), resumed.nextSeed()], [random.next(), random.nextSeed()]);
  assert.ok(Number.isInteger(resumed.nextSeed()));
});
