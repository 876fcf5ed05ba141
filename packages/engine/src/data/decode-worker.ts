// A decode worker (decode-files.ts): decodes its share of the files and posts them back in chunks, each image's
// pixels in a buffer of their own, transferred rather than copied.
import { parentPort, workerData } from 'node:worker_threads';
import { decodeShare, type DecodedFile, type DecodeShare, type DecodeUpdate } from './decode-files.ts';

const CHUNK = 256;
const { paths, indices } = workerData as DecodeShare;
let chunk: DecodedFile[] = [];

function flush(): void {
  const buffers = chunk.flatMap((file) => ('image' in file ? [file.image.data.buffer as ArrayBuffer] : []));
  parentPort!.postMessage({ type: 'decoded', files: chunk } satisfies DecodeUpdate, buffers);
  chunk = [];
}

try {
  await decodeShare(paths, indices, (file) => {
    // A fresh buffer per image: decoders may return views into a shared pool, which must not be transferred.
    chunk.push('image' in file ? { index: file.index, image: { ...file.image, data: file.image.data.slice() } } : file);
    if (chunk.length === CHUNK) flush();
  });
  flush();
  parentPort!.postMessage({ type: 'result', result: null });
} catch (error) {
  const { name, message, stack } = error as Error;
  parentPort!.postMessage({ type: 'error', name, message, stack });
}
