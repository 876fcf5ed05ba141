/**
 * Bundled for the page (esbuild, platform browser): times `trainHead` one epoch at a time over one phone's
 * embeddings, the way the app trains its head on a phone (default yield every 8 ms, so the page stays responsive).
 */
import { trainHead, type Head } from '@offgrid/federated';

export interface EpochTiming {
  /** Milliseconds of each timed epoch (after one untimed warm-up epoch). */
  epochMs: number[];
  userAgent: string;
}

export async function timeEpochs(head: { inputSize: number; numClasses: number; weights: number[]; bias: number[] }, embeddings: number[], targets: number[],
  options: { learningRate: number; batchSize: number; epochs: number }): Promise<EpochTiming> {
  let current: Head = { inputSize: head.inputSize, numClasses: head.numClasses, weights: Float32Array.from(head.weights), bias: Float32Array.from(head.bias) };
  const data = { embeddings: Float32Array.from(embeddings), targets: Int32Array.from(targets) };
  const epochMs: number[] = [];
  for (let epoch = 0; epoch <= options.epochs; epoch++) {
    const started = performance.now();
    current = (await trainHead(current, data, { epochs: 1, learningRate: options.learningRate, batchSize: options.batchSize, seed: epoch })).head;
    if (epoch > 0) epochMs.push(performance.now() - started);
  }
  return { epochMs, userAgent: (globalThis as { navigator?: { userAgent: string } }).navigator?.userAgent ?? 'node' };
}
