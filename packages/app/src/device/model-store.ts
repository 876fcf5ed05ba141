// Models kept on the phone (IndexedDB), encrypted at rest, several versions per project; one is active.
import { sha256Hex } from '@offgrid/sdk';
import type { ModelVersion } from '@offgrid/sdk';
import { generateAtRestKey, seal, unseal } from './at-rest.ts';
import type { Sealed } from './at-rest.ts';
import { deleteItem, getItem, listItems, setItem } from '../storage.ts';
import type { PhoneVariant, VariantChoice } from './variant-choice.ts';

/** What the phone knows about a saved model, without its bytes. */
export interface StoredModel {
  model: ModelVersion;
  /** The one file kept (versions saved before the measured choice are float32 and have no `choice`). */
  variant: PhoneVariant;
  /** How the variant and accelerator were chosen, with every measurement (variant-choice.ts). */
  choice?: VariantChoice;
  sha256: string;
  sizeBytes: number;
  savedAt: string;
}

interface ModelRecord extends StoredModel {
  sealed: Sealed;
}

const KEY_ID = 'model-key';
const activeKey = (projectId: string) => `active-model:${projectId}`;
const context = (record: StoredModel) => `${record.model.id}:${record.sha256}`;

let atRestKey: Promise<CryptoKey> | undefined;

/**
 * The phone's at-rest key (models, samples kept on the phone, personalized heads): created once, non-extractable,
 * stored as a CryptoKey object in IndexedDB.
 */
export function modelKey(): Promise<CryptoKey> {
  atRestKey ??= (async () => {
    const existing = await getItem<CryptoKey>('settings', KEY_ID);
    if (existing) return existing;
    const key = await generateAtRestKey();
    await setItem('settings', KEY_ID, key);
    return key;
  })().catch((error: unknown) => {
    atRestKey = undefined;
    throw error;
  });
  return atRestKey;
}

function withoutBytes({ model, variant, choice, sha256, sizeBytes, savedAt }: ModelRecord): StoredModel {
  return { model, variant, ...(choice ? { choice } : {}), sha256, sizeBytes, savedAt };
}

export async function listStoredModels(projectId: string): Promise<StoredModel[]> {
  const records = await listItems<ModelRecord>('models');
  return records
    .filter((record) => record.model.projectId === projectId)
    .map(withoutBytes)
    .sort((a, b) => b.model.version - a.model.version);
}

export async function getStoredModel(modelId: string): Promise<StoredModel | undefined> {
  const record = await getItem<ModelRecord>('models', modelId);
  return record && withoutBytes(record);
}

/**
 * Encrypts and saves verified bytes (the caller checked them against the server's sha256). One file per version:
 * saving another variant replaces the one kept.
 */
export async function saveModel(model: ModelVersion, bytes: Uint8Array, sha256: string, variant: PhoneVariant = 'float32', choice?: VariantChoice): Promise<StoredModel> {
  const stored: StoredModel = { model, variant, ...(choice ? { choice } : {}), sha256, sizeBytes: bytes.byteLength, savedAt: new Date().toISOString() };
  const record: ModelRecord = { ...stored, sealed: await seal(await modelKey(), bytes, context(stored)) };
  await setItem('models', model.id, record);
  return stored;
}

/** Decrypts a saved model and checks it still hashes to what was downloaded. */
export async function loadModelBytes(modelId: string): Promise<{ stored: StoredModel; bytes: Uint8Array }> {
  const record = await getItem<ModelRecord>('models', modelId);
  if (!record) throw new Error('That model is not saved on this phone. Download it first.');
  const bytes = await unseal(await modelKey(), record.sealed, context(record));
  if ((await sha256Hex(bytes)) !== record.sha256) throw new Error('The saved model is damaged (checksum mismatch). Delete it and download it again.');
  return { stored: withoutBytes(record), bytes };
}

export async function deleteStoredModel(model: ModelVersion): Promise<void> {
  await deleteItem('models', model.id);
  if ((await getActiveModelId(model.projectId)) === model.id) await deleteItem('settings', activeKey(model.projectId));
}

export async function getActiveModelId(projectId: string): Promise<string | undefined> {
  return getItem<string>('settings', activeKey(projectId));
}

export async function setActiveModelId(projectId: string, modelId: string): Promise<void> {
  await setItem('settings', activeKey(projectId), modelId);
}
