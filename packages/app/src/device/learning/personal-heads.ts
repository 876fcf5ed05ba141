// Personalized heads: the head this phone trained on its own samples for one model version, with the trunk it
// runs under (the variant the phone uses), both encrypted at rest like the model store (at-rest.ts). The phone
// then predicts with trunk + this head; dropping it goes back to the version's own file.
import { decodeHead, encodeHead, type EncodedHead, type Head } from '@offgrid/federated';
import { seal, unseal } from '../at-rest.ts';
import type { Sealed } from '../at-rest.ts';
import { modelKey } from '../model-store.ts';
import { deleteItem, getItem, listItems, setItem } from '../../storage.ts';

/** What the Models screen says about a personalized version. */
export interface PersonalHeadInfo {
  modelId: string;
  projectId: string;
  version: number;
  /** `trunk-int8` or `trunk-float32`: the trunk of the variant the phone runs. */
  trunkVariant: 'trunk-int8' | 'trunk-float32';
  trainSamples: number;
  heldOutSamples: number;
  /** On the held-out local samples (undefined when too few to hold any out). */
  accuracy?: number;
  baseAccuracy?: number;
  epochs: number;
  trainedAt: string;
}

interface PersonalHeadRecord extends PersonalHeadInfo {
  sealedHead: Sealed;
  sealedTrunk: Sealed;
}

const context = (info: PersonalHeadInfo, part: string) => `head:${info.modelId}:${info.trainedAt}:${part}`;

function withoutBytes({ sealedHead: _head, sealedTrunk: _trunk, ...info }: PersonalHeadRecord): PersonalHeadInfo {
  return info;
}

export async function savePersonalHead(info: PersonalHeadInfo, head: Head, trunk: Uint8Array): Promise<void> {
  const key = await modelKey();
  const headBytes = new TextEncoder().encode(JSON.stringify(encodeHead(head)));
  const record: PersonalHeadRecord = { ...info, sealedHead: await seal(key, headBytes, context(info, 'head')), sealedTrunk: await seal(key, trunk, context(info, 'trunk')) };
  await setItem('heads', info.modelId, record);
}

export async function getPersonalHead(modelId: string): Promise<PersonalHeadInfo | undefined> {
  const record = await getItem<PersonalHeadRecord>('heads', modelId);
  return record && withoutBytes(record);
}

export async function listPersonalHeads(projectId: string): Promise<PersonalHeadInfo[]> {
  return (await listItems<PersonalHeadRecord>('heads')).filter((record) => record.projectId === projectId).map(withoutBytes);
}

/** The head and trunk, decrypted; undefined when the version is not personalized on this phone. */
export async function loadPersonalHead(modelId: string): Promise<{ info: PersonalHeadInfo; head: Head; trunk: Uint8Array } | undefined> {
  const record = await getItem<PersonalHeadRecord>('heads', modelId);
  if (!record) return undefined;
  const key = await modelKey();
  try {
    const head = decodeHead(JSON.parse(new TextDecoder().decode(await unseal(key, record.sealedHead, context(record, 'head')))) as EncodedHead);
    return { info: withoutBytes(record), head, trunk: await unseal(key, record.sealedTrunk, context(record, 'trunk')) };
  } catch (error) {
    throw new Error(`The personalized head of v${record.version} cannot be read (damaged, or its key was lost). Drop it and personalize again.`, { cause: error });
  }
}

export async function dropPersonalHead(modelId: string): Promise<void> {
  await deleteItem('heads', modelId);
}
