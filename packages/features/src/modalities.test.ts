import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ANOMALY_MODALITIES, MODALITIES, TASKS } from './index.ts';

test('the vocabulary lists are frozen, and anomaly models exist only for known modalities', () => {
  for (const list of [MODALITIES, TASKS, ANOMALY_MODALITIES]) assert.ok(Object.isFrozen(list));
  assert.throws(() => (MODALITIES as unknown as string[]).push('video'), TypeError);
  assert.deepEqual(ANOMALY_MODALITIES.filter((m) => !MODALITIES.includes(m)), []);
});
