// The finisher's thread (finisher.ts): quantizes, packages and tests models away from the caller's event loop.
import { parentPort } from 'node:worker_threads';
import { evaluateOnTest, packageModel } from './model-files.ts';
import { backboneInputs, packageTransferModel } from './transfer.ts';
import type { FinisherOps, FinisherRequest, FinisherReply } from './finisher.ts';

async function run(request: FinisherRequest): Promise<FinisherOps[keyof FinisherOps]['result']> {
  switch (request.op) {
    case 'package': return packageModel(request.float32, request.dataset, request.representative, request.name, request.features);
    case 'evaluate': return evaluateOnTest(request.files, request.data, request.indices);
    case 'packageTransfer': return packageTransferModel(request.transfer);
    case 'backboneInputs': return backboneInputs(request.images, request.spec);
  }
}

const port = parentPort!;
port.on('message', async (request: FinisherRequest) => {
  try {
    const result = await run(request);
    // Test inputs of a few hundred 224×224 images are tens of MB: moved, not copied.
    port.postMessage({ id: request.id, result } satisfies FinisherReply, result instanceof Float32Array ? [result.buffer as ArrayBuffer] : []);
  } catch (error) {
    const { name, message, stack } = error as Error;
    port.postMessage({ id: request.id, error: { name, message, stack } } satisfies FinisherReply);
  }
});
