// The accelerator self-test (self-test.ts) in a thread of its own: the GPU device goes away with the thread.
import { parentPort, workerData } from 'node:worker_threads';
import { selfTest } from './self-test.ts';

try {
  parentPort!.postMessage({ type: 'result', result: await selfTest((workerData as { timedSteps: number }).timedSteps) });
} catch (error) {
  const { name, message, stack } = error as Error;
  parentPort!.postMessage({ type: 'error', name, message, stack });
}
