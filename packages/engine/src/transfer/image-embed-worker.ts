/**
 * One embedding worker (own wasm backend, one core): loads the frozen backbone once, then turns the chunks of image
 * files the main thread sends into embeddings — decode, centre crop and area resize to the backbone's input
 * (`preprocessImage`, what the phone runs), normalize, embed. Started by `ImageEmbedPool` through the engine's tsx
 * bootstrap. Never import this from the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initWasmBackend } from '../backend/init-wasm.ts';
import { decodeImage } from '../data/decode-image.ts';
import { preprocessImage } from '@offgrid/features';
import { loadBackbone } from './backbones.ts';
import { embedSamples } from './embed.ts';
import { backboneImageSpec, type ImageEmbedReply, type ImageEmbedRequest, type ImageEmbedWorkerData } from './image-embed-protocol.ts';

const port = parentPort!;
const { backbone: name, dataDir } = workerData as ImageEmbedWorkerData;
try {
  await initWasmBackend();
  const backbone = await loadBackbone(name, { dataDir: dataDir ?? '' });
  const spec = backboneImageSpec(backbone.info);
  const shape = [spec.height, spec.width, 3];
  port.on('message', (request: ImageEmbedRequest) => {
    void (async () => {
      let reply: ImageEmbedReply;
      try {
        const started = performance.now();
        const size = spec.width * spec.height * 3;
        const x = new Float32Array(request.files.length * size);
        for (const [i, file] of request.files.entries()) x.set(preprocessImage(await decodeImage(file), spec), i * size);
        const embedded = await embedSamples(backbone, { x, shape, targets: new Array<number>(request.files.length).fill(0) });
        reply = { type: 'embedded', id: request.id, x: embedded.x, seconds: (performance.now() - started) / 1000 };
      } catch (error) {
        reply = { type: 'error', id: request.id, message: (error as Error).message };
      }
      port.postMessage(reply, reply.type === 'embedded' ? [reply.x.buffer as ArrayBuffer] : []);
    })();
  });
  port.postMessage({ type: 'ready' } satisfies ImageEmbedReply);
} catch (error) {
  port.postMessage({ type: 'failed', message: (error as Error).message } satisfies ImageEmbedReply);
}
