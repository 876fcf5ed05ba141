// The finisher's thread (finisher.ts): quantizes, packages and tests models away from the caller's event loop.
import { parentPort } from 'node:worker_threads';
import { evaluateOnTest, packageModel } from './model-files.ts';
import type { FinisherRequest, FinisherReply } from './finisher.ts';

const port = parentPort!;
port.on('message', async (request: FinisherRequest) => {
  try {
    if (request.op === 'package') {
      const { float32, dataset, representative, name, features } = request;
      const files = packageModel(float32, dataset, representative, name, features);
      port.postMessage({ id: request.id, result: files } satisfies FinisherReply);
    } else {
      port.postMessage({ id: request.id, result: await evaluateOnTest(request.files, request.data, request.indices) } satisfies FinisherReply);
    }
  } catch (error) {
    const { name, message, stack } = error as Error;
    port.postMessage({ id: request.id, error: { name, message, stack } } satisfies FinisherReply);
  }
});
