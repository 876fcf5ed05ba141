// Minimal promise wrapper over IndexedDB: one database, a few key-value stores.

const DB_NAME = 'offgrid';
/**
 * v2: outbox; models keyed by model id and encrypted (the v1 plaintext per-project copies are dropped).
 * v3: samples kept on the phone (privacy mode) and personalized heads, both encrypted.
 */
const DB_VERSION = 3;
export type StoreName = 'settings' | 'models' | 'outbox' | 'samples' | 'heads';
const STORES: readonly StoreName[] = ['settings', 'models', 'outbox', 'samples', 'heads'];

let opening: Promise<IDBDatabase> | undefined;

function openDb(): Promise<IDBDatabase> {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = (event) => {
      const db = request.result;
      if (event.oldVersion === 1 && db.objectStoreNames.contains('models')) db.deleteObjectStore('models');
      for (const store of STORES) {
        if (!db.objectStoreNames.contains(store)) db.createObjectStore(store);
      }
    };
    request.onsuccess = () => {
      // Another tab with a newer app version wants to upgrade: step aside (this tab reloads on its next start).
      request.result.onversionchange = () => {
        request.result.close();
        opening = undefined;
      };
      resolve(request.result);
    };
    request.onerror = () => {
      opening = undefined;
      reject(request.error ?? new Error('Cannot open IndexedDB.'));
    };
  });
  return opening;
}

function promisify<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed.'));
  });
}

async function withStore<T>(store: StoreName, mode: IDBTransactionMode, action: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDb();
  const transaction = db.transaction(store, mode, { durability: mode === 'readwrite' ? 'strict' : 'default' });
  // Resolve only once the transaction is committed: a sample "stored" must survive a crash right after.
  const committed = new Promise<void>((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction failed.'));
  });
  committed.catch(() => undefined); // a failed request rejects first; this keeps the second rejection handled
  const result = await promisify(action(transaction.objectStore(store)));
  await committed;
  return result;
}

export async function getItem<T>(store: StoreName, key: string): Promise<T | undefined> {
  return (await withStore(store, 'readonly', (s) => s.get(key))) as T | undefined;
}

export async function listItems<T>(store: StoreName): Promise<T[]> {
  return (await withStore(store, 'readonly', (s) => s.getAll())) as T[];
}

export async function setItem(store: StoreName, key: string, value: unknown): Promise<void> {
  await withStore(store, 'readwrite', (s) => s.put(value, key));
}

export async function deleteItem(store: StoreName, key: string): Promise<void> {
  await withStore(store, 'readwrite', (s) => s.delete(key));
}
