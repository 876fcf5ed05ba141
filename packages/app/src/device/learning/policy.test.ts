import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BatteryState } from '../../battery.ts';
import { learningAllowed, learningRun, LearningStopped } from './policy.ts';

test('learning runs while charging or above the chosen level; unknown battery is allowed with a note', () => {
  assert.deepEqual(learningAllowed({ supported: true, level: 0.2, charging: true, low: false }, 0.5), { ok: true });
  assert.deepEqual(learningAllowed({ supported: true, level: 0.6, charging: false, low: false }, 0.5), { ok: true });
  const refused = learningAllowed({ supported: true, level: 0.3, charging: false, low: false }, 0.5);
  assert.deepEqual(refused, { ok: false, reason: 'Battery at 30 %: the phone learns only while charging or above 50 %.' });
  const unknown = learningAllowed({ supported: false, low: false }, 0.5);
  assert.equal(unknown.ok, true);
  assert.match(unknown.ok ? unknown.note ?? '' : '', /does not report the battery/);
});

test('a run is cancelled when the page is hidden or the battery drops, and releases its listeners', () => {
  const doc = Object.assign(new EventTarget(), { hidden: false });
  let listener: ((state: BatteryState) => void) | undefined;
  const battery = { state: { supported: true, level: 0.9, charging: false, low: false }, subscribe: (l: (s: BatteryState) => void) => { listener = l; return () => { listener = undefined; }; } };
  const hidden = learningRun(battery, 0.5, doc);
  doc.dispatchEvent(new Event('visibilitychange'));
  assert.equal(hidden.controller.signal.aborted, false, 'still visible');
  doc.hidden = true;
  doc.dispatchEvent(new Event('visibilitychange'));
  assert.ok(hidden.controller.signal.reason instanceof LearningStopped);
  assert.match((hidden.controller.signal.reason as Error).message, /hidden/);
  hidden.release();
  assert.equal(listener, undefined);

  doc.hidden = false;
  const drained = learningRun(battery, 0.5, doc);
  listener!({ supported: true, level: 0.4, charging: false, low: false });
  assert.match((drained.controller.signal.reason as Error).message, /Battery at 40 %/);
  drained.release();

  doc.hidden = true;
  const background = learningRun(battery, 0.5, doc);
  assert.match((background.controller.signal.reason as Error).message, /hidden/, 'a page already hidden does not start');
  background.release();
});
