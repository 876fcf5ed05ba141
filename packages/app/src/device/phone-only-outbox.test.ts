// The privacy-mode outbox without IndexedDB: what it refuses before storing anything, and that it never has a queue.
// Saving (encrypted into IndexedDB) runs in Chromium: e2e/federated.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PhoneOnlyOutbox, PRIVACY_NOTE } from './phone-only-outbox.ts';

test('nothing is queued, pending or failed; sample edits and captures of another project are refused', async () => {
  const outbox = new PhoneOnlyOutbox('p1');
  assert.equal(outbox.gzip, false);
  assert.deepEqual(outbox.list(), []);
  assert.deepEqual(outbox.snapshot(), { pending: 0, failed: 0, pendingEdits: 0, uploading: false, pausedBy: [], retryAt: undefined, lastError: undefined, pendingByLabel: {} });
  await assert.rejects(outbox.addEdit(), /keeps its samples on the phones: the server holds none to edit/);
  await assert.rejects(outbox.add({ projectId: 'p2', label: 'a', data: new Uint8Array([1]) }), /belongs to project p2, not p1; nothing was saved/);
  assert.match(PRIVACY_NOTE, /never uploaded\. Only model updates and counts travel\./);
});
