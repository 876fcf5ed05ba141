import { Worker, type Transferable } from 'node:worker_threads';

export const BOOTSTRAP_URL = new URL('./bootstrap.mjs', import.meta.url);
const GRACE_MS = 60_000;

/** What every training worker posts: updates while it works, then one result or one error. */
export type WorkerReply<U, R> = U | { type: 'result'; result: R } | { type: 'error'; name: string; message: string; stack?: string; code?: string };

export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error && reason.name === 'AbortError' ? reason : new DOMException('Training was aborted.', 'AbortError');
}

/** The error's string `code`, if it has one, for the message a worker posts. */
export function codeOf(error: Error): { code?: string } {
  const { code } = error as { code?: unknown };
  return typeof code === 'string' ? { code } : {};
}

/** Rebuilds the worker's error on this side, keeping its name and its stack (where the bug is). */
export function workerFailure(message: { name: string; message: string; stack?: string; code?: string }): Error {
  const error = new Error(`Training worker failed: ${message.message}`);
  error.name = message.name;
  // A TrainingFailure's code (failure.ts) survives the thread boundary.
  if (message.code) Object.assign(error, { code: message.code });
  if (message.stack) error.stack = `${error.name}: ${error.message}\n    (in the training worker)\n${message.stack.split('\n').slice(1).join('\n')}`;
  return error;
}

/**
 * Starts `workerData.entry` (relative to this folder) in a worker thread through the tsx bootstrap, hands its
 * updates to `onUpdate`, and settles once: with its result, its error, its crash, or the abort (which
 * terminates the worker at once).
 */
export function runWorker<U extends { type: string }, R>(
  workerData: { entry: string },
  name: string,
  onUpdate: (update: U) => void,
  signal?: AbortSignal,
  transferList: Transferable[] = [],
  { stopGracefully = false }: { stopGracefully?: boolean } = {},
): Promise<R> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise<R>((resolve, reject) => {
    const worker = new Worker(BOOTSTRAP_URL, { workerData, name, transferList: transferList as never });
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    // Graceful: ask the worker to stop (it ends at its next batch and exits by itself) instead of terminating the
    // thread, which a native addon at work in it (Dawn, for WebGPU) may not survive. A worker that does not exit
    // within GRACE_MS is terminated all the same.
    const end = (): void => {
      if (!stopGracefully) return void worker.terminate();
      worker.postMessage({ type: 'stop' });
      setTimeout(() => void worker.terminate(), GRACE_MS).unref();
    };
    const onAbort = (): void => {
      settle(() => reject(abortReason(signal!)));
      end();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (message: WorkerReply<U, R>) => {
      if (settled) return;
      if (message.type === 'result') settle(() => resolve((message as { result: R }).result));
      else if (message.type === 'error') settle(() => reject(workerFailure(message as { name: string; message: string; stack?: string; code?: string })));
      else return onUpdate(message as U);
      end();
    });
    worker.on('error', (error) => settle(() => reject(new Error(`Training worker crashed: ${error.message}`, { cause: error }))));
    worker.on('exit', (code) => settle(() => reject(new Error(`Training worker exited with code ${code} before returning a model.`))));
  });
}
