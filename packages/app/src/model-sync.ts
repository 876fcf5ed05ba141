// Getting a model version onto the phone: sha256-verified download (the SDK refuses a mismatch), then
// encrypted into IndexedDB.
import type { ModelVersion, OffgridClient } from '@offgrid/sdk';
import { saveModel } from './model-store.ts';
import type { StoredModel } from './model-store.ts';

export async function downloadToPhone(client: OffgridClient, model: ModelVersion, signal?: AbortSignal): Promise<StoredModel> {
  const { bytes, sha256 } = await client.downloadModel(model.id, 'float32', { signal });
  // Ask once for storage the browser will not evict under pressure (granted silently for installed PWAs).
  void navigator.storage?.persist?.().catch(() => false);
  return saveModel(model, bytes, sha256);
}

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '—';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
}

export function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
