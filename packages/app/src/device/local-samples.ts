// Samples kept on the phone: a privacy-mode project's captures (docs/federated.md, "Privacy mode") never go to
// the outbox or the server; they are encrypted at rest (at-rest.ts, the phone's model key) in IndexedDB and only
// ever read back here, to embed them for on-device learning and federated rounds.
import type { NewSample } from '@offgrid/sdk';
import { seal, unseal } from './at-rest.ts';
import type { Sealed } from './at-rest.ts';
import { modelKey } from './model-store.ts';
import { deleteItem, listItems, setItem } from '../storage.ts';

/** What the phone knows about a kept sample, without its bytes. */
export interface LocalSampleInfo {
  id: string;
  projectId: string;
  label: string;
  contentType: string;
  sizeBytes: number;
  savedAt: string;
}

/** A kept sample, decrypted. */
export interface LocalSample extends LocalSampleInfo {
  data: Uint8Array;
}

interface SampleRecord extends LocalSampleInfo {
  sealed: Sealed;
}

/** The sample's identity is authenticated with its bytes: a record moved to another project or label fails to open. */
const context = (info: LocalSampleInfo) => `sample:${info.id}:${info.projectId}:${info.label}:${info.contentType}`;

const listeners = new Set<(projectId: string) => void>();

/** Called with the project id whenever its kept samples change (saved or deleted). */
export function onLocalSamplesChanged(listener: (projectId: string) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

async function bytesOf(data: Blob | Uint8Array): Promise<Uint8Array> {
  return data instanceof Uint8Array ? data : new Uint8Array(await data.arrayBuffer());
}

/** Encrypts and keeps one capture on this phone (never queued for upload). */
export async function saveLocalSample(sample: NewSample): Promise<LocalSampleInfo> {
  if (!sample.label) throw new Error('A sample needs a label.');
  const data = await bytesOf(sample.data);
  if (data.byteLength === 0) throw new Error('The sample is empty; nothing was saved.');
  const contentType = sample.contentType ?? (sample.data instanceof Blob && sample.data.type ? sample.data.type : 'image/jpeg');
  const info: LocalSampleInfo = { id: crypto.randomUUID(), projectId: sample.projectId, label: sample.label, contentType, sizeBytes: data.byteLength, savedAt: new Date().toISOString() };
  const record: SampleRecord = { ...info, sealed: await seal(await modelKey(), data, context(info)) };
  await setItem('samples', info.id, record);
  listeners.forEach((listener) => listener(info.projectId));
  return info;
}

export async function listLocalSamples(projectId: string): Promise<LocalSampleInfo[]> {
  const records = await listItems<SampleRecord>('samples');
  return records
    .filter((record) => record.projectId === projectId)
    .map(({ sealed: _sealed, ...info }) => info)
    .sort((a, b) => a.savedAt.localeCompare(b.savedAt));
}

/** Kept samples per label. */
export async function countLocalSamples(projectId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const sample of await listLocalSamples(projectId)) counts[sample.label] = (counts[sample.label] ?? 0) + 1;
  return counts;
}

/** Every kept sample of the project, decrypted (oldest first). */
export async function loadLocalSamples(projectId: string): Promise<LocalSample[]> {
  const key = await modelKey();
  const records = (await listItems<SampleRecord>('samples')).filter((record) => record.projectId === projectId);
  const samples: LocalSample[] = [];
  for (const { sealed, ...info } of records) {
    try {
      samples.push({ ...info, data: await unseal(key, sealed, context(info)) });
    } catch (error) {
      throw new Error(`A sample kept on this phone (${info.label}, ${info.savedAt}) cannot be decrypted: its key was lost or it was damaged.`, { cause: error });
    }
  }
  return samples.sort((a, b) => a.savedAt.localeCompare(b.savedAt));
}

export async function deleteLocalSamples(projectId: string, ids?: readonly string[]): Promise<number> {
  const doomed = (await listLocalSamples(projectId)).filter((sample) => !ids || ids.includes(sample.id));
  for (const sample of doomed) await deleteItem('samples', sample.id);
  if (doomed.length > 0) listeners.forEach((listener) => listener(projectId));
  return doomed.length;
}
