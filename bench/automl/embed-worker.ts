/**
 * One embedding worker (own wasm backend, one core): loads the frozen backbone once, then embeds the image
 * chunks the main thread sends, one at a time, so two workers share the work by pulling chunks.
 * Started through the engine's tsx bootstrap (see `EmbedPool` in embed-pool.ts).
 */
import { parentPort } from 'node:worker_threads';
import { embedSamples, initWasmBackend, loadBackbone } from '@offgrid/engine';
import type { EmbedReply, EmbedRequest } from './embed-pool.ts';

const port = parentPort!;
await initWasmBackend();
const backbone = await loadBackbone('mobilenet-v2-nsfwjs');
port.on('message', (request: EmbedRequest) => {
  void (async () => {
    let reply: EmbedReply;
    try {
      const { x } = await embedSamples(backbone, { x: request.x, shape: request.shape, targets: new Array<number>(request.count).fill(0) });
      reply = { type: 'embedded', id: request.id, x };
    } catch (error) {
      reply = { type: 'error', id: request.id, message: (error as Error).stack ?? String(error) };
    }
    port.postMessage(reply, reply.type === 'embedded' ? [reply.x.buffer as ArrayBuffer] : []);
  })();
});
port.postMessage({ type: 'ready' } satisfies EmbedReply);
