// Handles the pairing link `https://<host>:8000/?pair=<token>` printed by `offgrid serve`.
import { createClient, saveApiKey } from './session.ts';

export const PAIR_PARAM = 'pair';

export type PairingOutcome = { kind: 'none' } | { kind: 'paired'; apiKey: string } | { kind: 'failed'; error: unknown };

/** Exchanges a `?pair=` token from the address bar for a device key, stores it and removes the token from the URL. */
export async function pairFromUrl(): Promise<PairingOutcome> {
  const url = new URL(location.href);
  const token = url.searchParams.get(PAIR_PARAM);
  if (!token) return { kind: 'none' };
  url.searchParams.delete(PAIR_PARAM);
  // The token is one-time: drop it from the address bar (and history) whatever happens next.
  history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  try {
    const { apiKey } = await createClient().exchangePairingToken(token, deviceName());
    await saveApiKey(apiKey);
    return { kind: 'paired', apiKey };
  } catch (error) {
    return { kind: 'failed', error };
  }
}

function deviceName(): string {
  const ua = navigator.userAgent;
  const os = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Mac OS/.test(ua) ? 'macOS' : /Windows/.test(ua) ? 'Windows' : /Linux/.test(ua) ? 'Linux' : 'browser';
  return `Offgrid app (${os})`;
}
