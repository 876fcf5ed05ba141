// The accelerator self-test (self-test.ts) in a thread of its own: the GPU device goes away with the thread.
import { parentPort, workerData } from 'node:worker_threads';
import { selfTest } from './self-test.ts';

try {
  const { timedSteps, skipSoftware } = workerData as { timedSteps: number; skipSoftware: boolean };
  parentPort!.postMessage({ type: 'result', result: await selfTest(timedSteps, skipSoftware) });
} catch (error) {
  const { name, message, stack } = error as Error;
  parentPort!.postMessage({ type: 'error', name, message, stack });
}
