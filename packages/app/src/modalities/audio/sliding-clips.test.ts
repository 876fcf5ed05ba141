import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SlidingClips } from './sliding-clips.ts';

test('a clip every hop once the first clip is complete', () => {
  const clips = new SlidingClips(100, 50);
  assert.equal(clips.next(99), undefined);
  assert.equal(clips.next(100), 0);
  assert.equal(clips.next(120), undefined, 'the same clip is not returned twice');
  assert.equal(clips.next(150), 50);
  assert.equal(clips.next(199), undefined);
  assert.equal(clips.next(210), 100);
});

test('skips stale clips when prediction falls behind', () => {
  const clips = new SlidingClips(100, 50);
  assert.equal(clips.next(100), 0);
  // 4 hops later: only the newest complete clip (ending at 300) is predicted.
  assert.equal(clips.next(320), 200);
  assert.equal(clips.next(349), undefined);
  assert.equal(clips.next(350), 250);
});

test('refuses lengths that are not positive integers', () => {
  assert.throws(() => new SlidingClips(0, 1), /clipLength must be a positive integer, got 0/);
  assert.throws(() => new SlidingClips(10, 2.5), /hopLength must be a positive integer, got 2\.5/);
});
