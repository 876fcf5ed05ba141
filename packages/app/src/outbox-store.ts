// The capture outbox's durable store: IndexedDB, so queued samples survive reloads, crashes and offline days.
import type { OutboxEntry, OutboxStore } from '@offgrid/sdk';
import { deleteItem, listItems, setItem } from './storage.ts';

export const indexedDbOutboxStore: OutboxStore = {
  put: (entry: OutboxEntry) => setItem('outbox', entry.id, entry),
  delete: (id: string) => deleteItem('outbox', id),
  list: () => listItems<OutboxEntry>('outbox'),
};

/** One tab at a time drains the queue (Web Locks where available; the Idempotency-Key covers the rest). */
export function exclusiveAcrossTabs<T>(work: () => Promise<T>): Promise<T> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  return locks ? (locks.request('offgrid-outbox', () => work()) as Promise<T>) : work();
}
