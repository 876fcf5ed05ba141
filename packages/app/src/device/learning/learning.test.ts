// The pure parts of learning on the phone: held-out split, subsets, sample encoding for text and rows, the rating
// a phone sends in a round, and the round's outcome in words. LiteRT.js parts run in Chromium (e2e/federated.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHead } from '@offgrid/federated';
import { learnVocabulary } from '@offgrid/features';
import type { FederatedRound, ModelVersion } from '@offgrid/sdk';
import { holdOut, subset } from './embed.ts';
import { describeRoundOutcome, rateCandidate, trunkVariantFor } from './rating.ts';
import { sampleEncoder, tabularFeatures } from './sample-input.ts';

test('holdOut keeps a share of every label out, seeded; a label with one sample trains', () => {
  const targets = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2];
  const split = holdOut(targets, 0.2, 7);
  assert.deepEqual(split, holdOut(targets, 0.2, 7), 'same seed, same split');
  assert.equal(split.train.length + split.heldOut.length, targets.length);
  assert.deepEqual(split.heldOut.map((i) => targets[i]).sort(), [0, 1, 1]);
  assert.ok(split.train.some((i) => targets[i] === 2));
  assert.throws(() => holdOut(targets, 1, 1), /held-out fraction/);
});

test('subset copies rows and targets', () => {
  const data = { embeddings: Float32Array.from([1, 2, 3, 4, 5, 6]), targets: Int32Array.from([0, 1, 2]), inputSize: 2 };
  const picked = subset(data, [2, 0]);
  assert.deepEqual([...picked.embeddings], [5, 6, 1, 2]);
  assert.deepEqual([...picked.targets], [2, 0]);
});

test('samples are encoded as the model takes them: text ids with its vocabulary, rows through its scaler', async () => {
  const vocabulary = learnVocabulary(['good food', 'bad food']);
  const text = { id: 'm', version: 1, labels: ['a', 'b'], input: { kind: 'text', shape: [6], dtype: 'int32', preprocessing: { text: { seqLength: 6, maxTokens: 50, vocabulary } } } } as unknown as ModelVersion;
  const ids = await sampleEncoder(text)({ contentType: 'text/plain', data: new TextEncoder().encode('Good food') });
  assert.deepEqual([...ids], [1, vocabulary.indexOf('good'), vocabulary.indexOf('food'), 0, 0, 0]);
  const rows = { id: 'm', version: 1, labels: ['a', 'b'], input: { kind: 'tabular', shape: [2], dtype: 'float32', preprocessing: { tabular: { mean: [1, 10], std: [2, 5] } } } } as unknown as ModelVersion;
  const scaled = await sampleEncoder(rows)({ contentType: 'application/json', data: new TextEncoder().encode('{"features":[3,0]}') });
  assert.deepEqual([...scaled], [1, -2]);
  assert.throws(() => tabularFeatures(new TextEncoder().encode('{"features":[1]}'), 2), /does not have 2 numeric features/);
  assert.throws(() => tabularFeatures(new TextEncoder().encode('nope'), 2), /not JSON/);
  const audio = { ...rows, input: { kind: 'audio' } } as unknown as ModelVersion;
  assert.throws(() => sampleEncoder(audio), /photo, text and table projects for now; this model reads audio/);
});

test('the trunk follows the variant the phone runs', () => {
  assert.equal(trunkVariantFor('int8'), 'trunk-int8');
  assert.equal(trunkVariantFor('float32'), 'trunk-float32');
  assert.equal(trunkVariantFor(undefined), 'trunk-float32');
});

test('a rating counts correct answers of the average and the base on held-out rows, with the logit range', () => {
  const base = createHead(2, 2); // all zeros: every answer is label 0
  const candidate = { ...createHead(2, 2), weights: Float32Array.from([1, 0, 0, 1]) };
  const heldOut = { embeddings: Float32Array.from([3, 0, 0, 2, 1, 0]), targets: Int32Array.from([0, 1, 1]), inputSize: 2 };
  assert.deepEqual(rateCandidate(candidate, base, heldOut), { samples: 3, correct: 2, baseCorrect: 1, logitRange: { min: 0, max: 3 } });
  assert.deepEqual(rateCandidate(candidate, base, { embeddings: new Float32Array(0), targets: new Int32Array(0), inputSize: 2 }), { samples: 0, correct: 0, baseCorrect: 0 });
});

test('the outcome in words', () => {
  const closed = { number: 3, status: 'closed', outcome: { decision: 'registered', reason: 'better', participants: 3, samples: 90, candidateAccuracy: 0.9, baseAccuracy: 0.6, evaluatedSamples: 24 } } as unknown as FederatedRound;
  assert.equal(describeRoundOutcome(closed, 4), 'Round 3: registered as v4. 3 phones, 90 samples. Held-out accuracy: average 90.0 % against the base\'s 60.0 % (24 samples).');
  const kept = { ...closed, outcome: { decision: 'kept-base', reason: 'the average was not better', participants: 2, samples: 10 } } as unknown as FederatedRound;
  assert.equal(describeRoundOutcome(kept), 'Round 3: kept the base: the average was not better 2 phones, 10 samples.');
  assert.equal(describeRoundOutcome({ ...closed, status: 'open' } as FederatedRound), 'Round 3 is open.');
});
