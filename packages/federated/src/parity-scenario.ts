/**
 * One fixed run of the package for e2e/federated-parity.test.ts: the same sources run in Node and, bundled,
 * in Chromium, and the results must be bit-identical (the README's claim; the heads are compared as base64).
 * Not exported by the package.
 */
import { createRandom } from '@offgrid/features';
import { createHead, evaluateHead } from './head.ts';
import { trainHead } from './train-head.ts';
import { encodeFloats, encodeHead, headDelta } from './update.ts';
import { federatedAverage } from './fedavg.ts';
import { gaussianEpsilon } from './accountant.ts';
import { createBlobs, sampleBlobs } from './synthetic.ts';

export interface FederatedParityResult {
  heads: string[];
  numbers: number[];
}

export async function runFederatedParityScenario(): Promise<FederatedParityResult> {
  const blobs = createBlobs(21, 24, 5, 1.5);
  const base = createHead(24, 5, { seed: 2 });
  const phones = [[0, 1, 2], [2, 3, 4], [4, 0]].map((classes, k) => sampleBlobs(blobs, 30 + k, 20, classes));
  const trained = [];
  for (const [k, phone] of phones.entries()) {
    trained.push(await trainHead(base, phone, { epochs: 4, seed: k, learningRate: 0.05, batchSize: 8, l2: 1e-3, proximal: 0.1, yieldEveryMs: 0 }));
  }
  const updates = trained.map((result, k) => ({ delta: headDelta(base, result.head), sampleCount: phones[k].targets.length }));
  const plain = federatedAverage(base, updates, { clipNorm: 2 });
  const noisy = federatedAverage(base, updates, { clipNorm: 2, noiseMultiplier: 1.3, random: createRandom(5) });
  const heldOut = sampleBlobs(blobs, 99, 20);
  const evaluation = evaluateHead(plain.head, heldOut.embeddings, heldOut.targets);
  return {
    heads: [...trained.map((result) => encodeHead(result.head).weights), encodeFloats(updates[0].delta), encodeHead(plain.head).weights, encodeHead(noisy.head).bias],
    numbers: [...trained.map((result) => result.loss), ...plain.norms, evaluation.loss, evaluation.accuracy, gaussianEpsilon({ noiseMultiplier: 1.3, rounds: 7, delta: 1e-6 }).epsilon],
  };
}
