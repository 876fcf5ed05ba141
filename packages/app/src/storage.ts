// Minimal promise wrapper over IndexedDB: one database, two key-value stores.

const DB_NAME = 'offgrid';
const DB_VERSION = 1;
export type StoreName = 'settings' | 'models';
const STORES: readonly StoreName[] = ['settings', 'models'];

let opening: Promise<IDBDatabase> | undefined;

function openDb(): Promise<IDBDatabase> {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      for (const store of STORES) {
        if (!request.result.objectStoreNames.contains(store)) request.result.createObjectStore(store);
      }
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('Cannot open IndexedDB.'));
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
  return promisify(action(db.transaction(store, mode).objectStore(store)));
}

export async function getItem<T>(store: StoreName, key: string): Promise<T | undefined> {
  return (await withStore(store, 'readonly', (s) => s.get(key))) as T | undefined;
}

export async function setItem(store: StoreName, key: string, value: unknown): Promise<void> {
  await withStore(store, 'readwrite', (s) => s.put(value, key));
}

export async function deleteItem(store: StoreName, key: string): Promise<void> {
  await withStore(store, 'readwrite', (s) => s.delete(key));
}
