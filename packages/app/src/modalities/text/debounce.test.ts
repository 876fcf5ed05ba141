import { test } from 'node:test';
import assert from 'node:assert/strict';
import { debounce } from './debounce.ts';

test('runs once after the calls stop, flush runs now, cancel drops', (context) => {
  context.mock.timers.enable({ apis: ['setTimeout'] });
  let runs = 0;
  const debounced = debounce(() => runs++, 200);
  debounced();
  context.mock.timers.tick(150);
  debounced();
  context.mock.timers.tick(150);
  assert.equal(runs, 0, 'a call within the wait restarts it');
  context.mock.timers.tick(50);
  assert.equal(runs, 1);
  debounced();
  debounced.flush();
  assert.equal(runs, 2);
  context.mock.timers.tick(500);
  assert.equal(runs, 2, 'flushed calls do not run again');
  debounced();
  debounced.cancel();
  context.mock.timers.tick(500);
  assert.equal(runs, 2);
  debounced.flush();
  assert.equal(runs, 2, 'nothing pending to flush');
});
