/**
 * The embedding pass of a search: every image file through the frozen backbone, on `workers` threads (one core
 * each, each with its own wasm backend and copy of the backbone), cached per file by content. It first times a few
 * chunks and gives up — before spending the budget — when the whole pass would not fit `maxSeconds`.
 */
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { BACKBONES, type BackboneInfo } from './backbones.ts';
import type { EmbeddingCache } from './embed.ts';
import { backboneImageSpec, type ImageEmbedReply, type ImageEmbedWorkerData } from './image-embed-protocol.ts';

const BOOTSTRAP = new URL('../worker/bootstrap.mjs', import.meta.url);
const ENTRY = new URL('./image-embed-worker.ts', import.meta.url).href;
/** Images per message: small enough to balance two workers and to time the first ones early. */
const CHUNK = 4;
/**
 * Starting a worker and loading the built-in MobileNetV2 measured ~7 s on this project's 2-core machines; a pass
 * allowed less than this is not started at all.
 */
export const EMBED_STARTUP_SECONDS = 5;

export interface EmbedImageFilesOptions {
  /** Built-in name, or an imported backbone under `dataDir`. */
  backbone: string;
  dataDir?: string;
  /** How many samples, and the encoded file (JPEG, PNG, …) of sample `index`. */
  count: number;
  readFile: (index: number) => Promise<Uint8Array>;
  /** Threads (one core each); default 2. */
  workers?: number;
  cache?: EmbeddingCache;
  /** The pass gives up when its estimated total (start-up included) exceeds this. */
  maxSeconds: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export type EmbedImageFilesResult =
  | {
    fits: true; info: BackboneInfo;
    /** count × featureSize values, in sample order. */
    x: Float32Array;
    seconds: number; cacheHits: number;
    /** Seconds one worker spent per image (decode + embed); NaN when every sample was a cache hit. */
    secondsPerImage: number;
  }
  | { fits: false; info: BackboneInfo; estimatedSeconds: number; seconds: number; reason: string };

/** The backbone's entry without loading its weights (imported ones: from `backbone.json`). */
export async function backboneInfo(name: string, dataDir?: string): Promise<BackboneInfo> {
  const builtIn = (BACKBONES as Record<string, BackboneInfo>)[name];
  if (builtIn) return builtIn;
  const { listBackbones } = await import('./registry.ts');
  const found = dataDir ? (await listBackbones(dataDir)).find((b) => b.name === name) : undefined;
  if (!found) throw new Error(`Unknown backbone "${name}" (built in: ${Object.keys(BACKBONES).join(', ')}${dataDir ? '; import others with `offgrid backbones import`' : '; imported backbones need the data directory'}).`);
  return found;
}

/** Cache key of one image file for one backbone: the file's bytes, the backbone and how the file becomes its input. */
export function imageFileKey(info: BackboneInfo, file: Uint8Array): string {
  const spec = backboneImageSpec(info);
  return createHash('sha256').update(`file|${info.name}|${info.sha256}|${spec.width}x${spec.height}|${spec.mean}/${spec.std}|`).update(file).digest('hex');
}

export async function embedImageFiles(options: EmbedImageFilesOptions): Promise<EmbedImageFilesResult> {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const info = await backboneInfo(options.backbone, options.dataDir);
  backboneImageSpec(info);
  const features = info.featureSize;
  const x = new Float32Array(options.count * features);
  const keys: string[] = [];
  const missing: number[] = [];
  for (let i = 0; i < options.count; i++) {
    options.signal?.throwIfAborted();
    const file = await options.readFile(i);
    keys.push(imageFileKey(info, file));
    const hit = options.cache?.get(keys[i]);
    if (hit?.length === features) x.set(hit, i * features);
    else missing.push(i);
  }
  const cacheHits = options.count - missing.length;
  options.onProgress?.(cacheHits, options.count);
  if (missing.length === 0) return { fits: true, info, x, seconds: elapsed(), cacheHits, secondsPerImage: NaN };

  if (options.maxSeconds < EMBED_STARTUP_SECONDS) {
    return { fits: false, info, estimatedSeconds: NaN, seconds: elapsed(), reason: `embedding ${missing.length} images with ${info.name} may use ${options.maxSeconds.toFixed(1)} s, less than starting the backbone takes (~${EMBED_STARTUP_SECONDS} s)` };
  }
  const workers = Math.max(1, Math.min(options.workers ?? 2, Math.ceil(missing.length / CHUNK)));
  const pool = await startWorkers(workers, { entry: ENTRY, backbone: options.backbone, dataDir: options.dataDir }, options.signal);
  try {
    const chunks: number[][] = [];
    for (let i = 0; i < missing.length; i += CHUNK) chunks.push(missing.slice(i, i + CHUNK));
    let next = 0;
    let done = cacheHits;
    // Each worker's first chunk also warms its backend up (measured 3-4x slower than the next ones): the pace comes
    // from later chunks once there are some.
    let timed = { images: 0, seconds: 0 };
    let warm = { images: 0, seconds: 0 };
    let verdict: EmbedImageFilesResult | undefined;
    const run = async (worker: Worker): Promise<void> => {
      let first = true;
      while (next < chunks.length && !verdict) {
        options.signal?.throwIfAborted();
        const chunk = chunks[next++];
        const files = await Promise.all(chunk.map((i) => options.readFile(i)));
        const reply = await request(worker, next, files);
        chunk.forEach((index, i) => {
          const embedding = reply.x.slice(i * features, (i + 1) * features);
          x.set(embedding, index * features);
          options.cache?.set(keys[index], embedding);
        });
        done += chunk.length;
        options.onProgress?.(done, options.count);
        timed = { images: timed.images + chunk.length, seconds: timed.seconds + reply.seconds };
        if (!first) warm = { images: warm.images + chunk.length, seconds: warm.seconds + reply.seconds };
        first = false;
        // Once every worker is warm (a chunk after its first): what is left, at the measured pace on every worker, plus
        // what was spent. Rechecked after every chunk, so a pass that slows down (a loaded machine) still stops.
        if ((warm.images >= workers * CHUNK || next >= chunks.length) && !verdict) {
          const pace = warm.images > 0 ? warm.seconds / warm.images : timed.seconds / timed.images;
          const estimatedSeconds = elapsed() + ((missing.length - timed.images) * pace) / workers;
          if (estimatedSeconds > options.maxSeconds) {
            verdict = {
              fits: false, info, estimatedSeconds, seconds: elapsed(),
              reason: `embedding ${options.count} images with ${info.name} would take about ${Math.round(estimatedSeconds)} s (${pace.toFixed(2)} s an image on each of ${workers} core(s)), over the ${Math.round(options.maxSeconds)} s it may use`,
            };
          }
        }
      }
    };
    await Promise.all(pool.map(run));
    if (verdict) return verdict;
    return { fits: true, info, x, seconds: elapsed(), cacheHits, secondsPerImage: warm.images > 0 ? warm.seconds / warm.images : timed.seconds / timed.images };
  } finally {
    await Promise.all(pool.map((worker) => worker.terminate()));
  }
}

async function startWorkers(count: number, workerData: ImageEmbedWorkerData, signal?: AbortSignal): Promise<Worker[]> {
  const workers = Array.from({ length: count }, (_, i) => new Worker(BOOTSTRAP, { workerData, name: `offgrid-embed-${i}` }));
  try {
    await Promise.all(workers.map((worker) => new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(signal!.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.once('error', reject);
      worker.once('message', (reply: ImageEmbedReply) => {
        signal?.removeEventListener('abort', onAbort);
        if (reply.type === 'ready') resolve();
        else reject(new Error(`The embedding worker did not start: ${reply.type === 'failed' ? reply.message : reply.type}`));
      });
    })));
    return workers;
  } catch (error) {
    await Promise.all(workers.map((worker) => worker.terminate()));
    throw error;
  }
}

/** One chunk on one worker (each worker has one chunk at a time, so the next reply is this one). */
function request(worker: Worker, id: number, files: Uint8Array[]): Promise<Extract<ImageEmbedReply, { type: 'embedded' }>> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(new Error(`An embedding worker crashed: ${error.message}`, { cause: error }));
    worker.once('error', onError);
    worker.once('message', (reply: ImageEmbedReply) => {
      worker.off('error', onError);
      if (reply.type === 'embedded' && reply.id === id) resolve(reply);
      else reject(new Error(`Embedding failed in a worker: ${reply.type === 'error' || reply.type === 'failed' ? reply.message : reply.type}`));
    });
    worker.postMessage({ id, files });
  });
}
