import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHead, evaluateHead } from './head.ts';
import { trainHead } from './train-head.ts';
import { headDelta } from './update.ts';
import { federatedAverage } from './fedavg.ts';
import { createBlobs, sampleBlobs } from './synthetic.ts';

// Four phones, six classes of Gaussian blobs in 16-d, non-IID: each phone sees only 2–3 classes.
// Five FedAvg rounds of local training from a zero head come within a few points of training on the union.
test('FedAvg over 4 non-IID phones reaches centralized accuracy within a few points', async (t) => {
  const blobs = createBlobs(3, 16, 6, 1.5);
  const shares = [[0, 1, 2], [2, 3], [3, 4, 5], [5, 0]];
  const phones = shares.map((classes, k) => sampleBlobs(blobs, 100 + k, 40, classes));
  const heldOut = sampleBlobs(blobs, 999, 100);
  const union = {
    embeddings: Float32Array.from(phones.flatMap((phone) => [...phone.embeddings])),
    targets: Int32Array.from(phones.flatMap((phone) => [...phone.targets])),
  };
  const options = { learningRate: 0.1, batchSize: 16 };
  const localEpochs = 2;
  const rounds = 5;
  const central = await trainHead(createHead(16, 6), union, { ...options, epochs: rounds * localEpochs, seed: 1 });
  const centralAccuracy = evaluateHead(central.head, heldOut.embeddings, heldOut.targets).accuracy;

  let head = createHead(16, 6);
  const accuracy: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const updates = [];
    for (const [k, phone] of phones.entries()) {
      const local = await trainHead(head, phone, { ...options, epochs: localEpochs, seed: 10 * round + k });
      updates.push({ delta: headDelta(head, local.head), sampleCount: phone.targets.length });
    }
    head = federatedAverage(head, updates, { clipNorm: 100 }).head;
    accuracy.push(evaluateHead(head, heldOut.embeddings, heldOut.targets).accuracy);
  }
  const local = await trainHead(createHead(16, 6), phones[1], { ...options, epochs: rounds * localEpochs, seed: 1 });
  const localAccuracy = evaluateHead(local.head, heldOut.embeddings, heldOut.targets).accuracy;
  const message = `centralized ${centralAccuracy}, FedAvg by round ${accuracy.join(' ')}, one phone alone ${localAccuracy}`;
  t.diagnostic(message);
  assert.ok(centralAccuracy > 0.9, message);
  assert.ok(accuracy[rounds - 1] >= centralAccuracy - 0.05, message);
  assert.ok(accuracy[rounds - 1] > accuracy[0], message);
  assert.ok(localAccuracy < 0.5, `a phone that sees 2 of 6 classes cannot do it alone: ${message}`);
});
