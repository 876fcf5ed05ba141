import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { registerWasmTrainingKernels } from './training-kernels.ts';

let ready: Promise<void> | undefined;

/** Directory holding the `.wasm` binaries, with the trailing slash `setWasmPaths` expects. */
export function wasmBinaryDirectory(): string {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return join(dirname(packageJson), 'dist') + '/';
}

/**
 * Makes `wasm` the active tfjs backend in this thread (Node only) with the training kernels it lacks.
 * Idempotent: every worker thread calls it once; repeated calls share one initialisation.
 */
export function initWasmBackend(): Promise<void> {
  ready ??= (async () => {
    setWasmPaths(wasmBinaryDirectory());
    registerWasmTrainingKernels();
    if (!(await tf.setBackend('wasm'))) {
      throw new Error('Could not initialise the tfjs wasm backend; is @tensorflow/tfjs-backend-wasm installed with its dist/*.wasm files?');
    }
    await tf.ready();
  })().catch((error: unknown) => {
    ready = undefined; // let a later call retry instead of caching the failure
    throw error;
  });
  return ready;
}
