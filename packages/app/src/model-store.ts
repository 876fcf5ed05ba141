// Downloaded models kept on the phone (IndexedDB), one per project: the newest one loaded.
import type { ModelVersion } from '@offgrid/sdk';
import { getItem, setItem } from './storage.ts';

export interface StoredModel {
  model: ModelVersion;
  variant: 'float32';
  sha256: string;
  bytes: Uint8Array;
  savedAt: string;
}

export function loadStoredModel(projectId: string): Promise<StoredModel | undefined> {
  return getItem<StoredModel>('models', projectId);
}

export function saveStoredModel(stored: StoredModel): Promise<void> {
  return setItem('models', stored.model.projectId, stored);
}
