// Registers the service worker and has it keep the one LiteRT.js build this phone uses, so that after the
// first visit the app opens and predicts without the server.
import { liteRtRuntimeFiles } from './device/predictor.ts';

export type OfflineState = 'unsupported' | 'preparing' | 'ready' | 'failed';

type SwReply = { ok: true; cached: string[] } | { ok: false; error: string };

function ask(worker: ServiceWorker, message: unknown): Promise<SwReply> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event: MessageEvent<SwReply>) => resolve(event.data);
    worker.postMessage(message, [channel.port2]);
  });
}

export async function setupOffline(onState: (state: OfflineState, detail?: string) => void): Promise<void> {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return onState('unsupported');
  onState('preparing');
  try {
    await navigator.serviceWorker.register(`${import.meta.env.BASE_URL}sw.js`, { scope: import.meta.env.BASE_URL, updateViaCache: 'none' });
    const registration = await navigator.serviceWorker.ready;
    const worker = registration.active;
    if (!worker) throw new Error('the service worker did not activate');
    const reply = await ask(worker, { type: 'cache-runtime', urls: await liteRtRuntimeFiles() });
    if (!reply.ok) throw new Error(reply.error);
    onState('ready');
  } catch (error) {
    onState('failed', error instanceof Error ? error.message : String(error));
  }
}
