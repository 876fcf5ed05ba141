// The device key from pairing, and the SDK client that uses it (same origin as the app).
import { OffgridClient } from '@offgrid/sdk';
import { deleteItem, getItem, setItem } from './storage.ts';

interface StoredSession {
  apiKey: string;
}

const SESSION_KEY = 'session';

export async function loadApiKey(): Promise<string | undefined> {
  return (await getItem<StoredSession>('settings', SESSION_KEY))?.apiKey;
}

export async function saveApiKey(apiKey: string): Promise<void> {
  await setItem('settings', SESSION_KEY, { apiKey } satisfies StoredSession);
}

export async function forgetApiKey(): Promise<void> {
  await deleteItem('settings', SESSION_KEY);
}

export function createClient(apiKey?: string): OffgridClient {
  return new OffgridClient({ baseUrl: location.origin, apiKey });
}
