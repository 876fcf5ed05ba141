// Taking part in a federated round (docs/federated.md) from this phone: join → the base version's head and trunk →
// embed the samples the phone holds, hold 20 % out → train the head with the round's epochs, learning rate and
// batch size → send only the change to it and the sample count → once the round averages, rate the average and
// the base on the held-out samples (counts and the logit range) → the round's decision. Samples never travel.
import { decodeHead, encodeFloats, headDelta, trainHead } from '@offgrid/federated';
import { OffgridApiError, type FederatedRound, type OffgridClient } from '@offgrid/sdk';
import type { Accelerator } from '../predictor.ts';
import type { PhoneVariant } from '../variant-choice.ts';
import { holdOut, subset, type LabelledSample } from './embed.ts';
import { HELD_OUT_FRACTION } from './personalize.ts';
import { prepareLearning, type LearningProgress } from './prepare.ts';
import { rateCandidate } from './rating.ts';
import { roundStageOf } from './round-stage.ts';

export interface RoundOptions {
  /** The file the phone runs for the base version, if it has it (its trunk is used). */
  variant?: PhoneVariant;
  accelerator?: Accelerator;
  signal?: AbortSignal;
  onProgress(progress: LearningProgress): void;
  /** How often the round is asked whether the others are done. Default 1500 ms. */
  pollMs?: number;
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

async function waitWhile(client: OffgridClient, round: FederatedRound, status: FederatedRound['status'], options: RoundOptions, text: string): Promise<FederatedRound> {
  let current = round;
  while (current.status === status) {
    const submitted = current.participants.filter((p) => p.status === 'submitted').length;
    options.onProgress({ text: `${text} (${submitted} of ${current.participants.length} phones sent updates)`, fraction: status === 'open' ? 0.9 : 0.97 });
    await pause(options.pollMs ?? 1500, options.signal);
    current = await client.getRound(round.id, { signal: options.signal });
  }
  return current;
}

/**
 * Joins and plays the phone's part to the end of the round; returns the round as it closed. A phone that already
 * joined, sent its update or rated (the app reloaded mid-round) picks up where it stopped: the held-out split is
 * drawn again with the round's seed, so it rates on the samples it kept out of training.
 */
export async function takePartInRound(client: OffgridClient, round: FederatedRound, samples: readonly LabelledSample[], options: RoundOptions): Promise<FederatedRound> {
  const { signal } = options;
  let current = round;
  if (roundStageOf(current) === 'join') {
    options.onProgress({ text: `Joining round ${round.number}…`, fraction: 0 });
    current = await client.joinRound(round.id, { signal });
  } else if (roundStageOf(current) !== 'train') {
    options.onProgress({ text: `Resuming round ${round.number}: this phone's update was sent before`, fraction: 0 });
  }
  const model = await client.getModel(round.baseModelId, { signal });
  const { base, data } = await prepareLearning(client, model, options.variant, samples, { accelerator: options.accelerator, signal, onProgress: options.onProgress });
  if (data.targets.length < 2) throw new Error(`This phone holds ${data.targets.length} sample(s) of v${model.version}'s labels; a round needs at least 2.`);
  const split = holdOut(data.targets, HELD_OUT_FRACTION, round.number);
  const heldOut = subset(data, split.heldOut);
  if (roundStageOf(current) === 'train') {
    const train = subset(data, split.train);
    const { epochs, learningRate, batchSize } = round.settings;
    const result = await trainHead(base, train, {
      epochs, learningRate, batchSize, seed: round.number, signal,
      onEpoch: ({ epoch, loss }) => options.onProgress({ text: `Training the head: epoch ${epoch} of ${epochs}, loss ${loss.toFixed(3)}`, fraction: 0.5 + 0.35 * (epoch / epochs) }),
    });
    if (result.cancelled) throw signal?.reason instanceof Error ? signal.reason : new Error('Learning was cancelled.');
    options.onProgress({ text: `Sending the update (${train.targets.length} samples)…`, fraction: 0.87 });
    const delta = encodeFloats(headDelta(base, result.head));
    current = await client.sendRoundUpdate(round.id, { baseModelId: round.baseModelId, sampleCount: train.targets.length, delta }, { signal });
  }
  current = await waitWhile(client, current, 'open', options, 'Update sent; waiting for the other phones');
  if (roundStageOf(current) === 'rate') {
    const candidate = decodeHead((await client.getRoundCandidate(round.id, { signal })).head);
    options.onProgress({ text: `Rating the average on ${heldOut.targets.length} held-out samples…`, fraction: 0.95 });
    try {
      current = await client.sendRoundEvaluation(round.id, rateCandidate(candidate, base, heldOut), { signal });
    } catch (error) {
      // The round closed while this phone rated (its evaluation deadline): its decision stands.
      if (!(error instanceof OffgridApiError && error.status === 409)) throw error;
      current = await client.getRound(round.id, { signal });
    }
  }
  return waitWhile(client, current, 'evaluating', options, 'Rated; waiting for the other phones to rate');
}
