// Personalizing a model version on this phone: embed the samples it holds with the trunk, hold 20 % out, train the
// head (`trainHead`, @offgrid/federated) in the background with progress, rate it against the version's own head
// on the held-out samples, and keep it (encrypted) for prediction as trunk + own head.
import { evaluateHead, trainHead } from '@offgrid/federated';
import type { OffgridClient } from '@offgrid/sdk';
import type { StoredModel } from '../model-store.ts';
import { holdOut, subset, type LabelledSample } from './embed.ts';
import { savePersonalHead, type PersonalHeadInfo } from './personal-heads.ts';
import { prepareLearning, type LearningProgress } from './prepare.ts';

export const HELD_OUT_FRACTION = 0.2;
export const PERSONAL_TRAINING = { epochs: 20, learningRate: 0.05, batchSize: 16 } as const;
/** Fewer than this many samples of known labels: nothing to learn from. */
export const MIN_SAMPLES = 4;

export interface PersonalizeOptions {
  signal?: AbortSignal;
  onProgress(progress: LearningProgress): void;
}

function cancelled(signal: AbortSignal | undefined): Error {
  return signal?.reason instanceof Error ? signal.reason : new DOMException('Learning was cancelled.', 'AbortError');
}

export async function personalize(client: OffgridClient, stored: StoredModel, samples: readonly LabelledSample[], options: PersonalizeOptions): Promise<PersonalHeadInfo> {
  const { model } = stored;
  const { base, trunk, trunkVariant, data } = await prepareLearning(client, model, stored.variant, samples, { accelerator: stored.choice?.accelerator, ...options });
  if (data.targets.length < MIN_SAMPLES) throw new Error(`This phone holds ${data.targets.length} sample(s) of v${model.version}'s labels; keep at least ${MIN_SAMPLES} to learn from.`);
  const split = holdOut(data.targets, HELD_OUT_FRACTION, model.version);
  const train = subset(data, split.train);
  const heldOut = subset(data, split.heldOut);
  const { epochs } = PERSONAL_TRAINING;
  const result = await trainHead(base, train, {
    ...PERSONAL_TRAINING, seed: model.version, signal: options.signal,
    onEpoch: ({ epoch, loss }) => options.onProgress({ text: `Training the head: epoch ${epoch} of ${epochs}, loss ${loss.toFixed(3)}`, fraction: 0.5 + 0.45 * (epoch / epochs) }),
  });
  if (result.cancelled) throw cancelled(options.signal);
  const rated = heldOut.targets.length > 0;
  const info: PersonalHeadInfo = {
    modelId: model.id, projectId: model.projectId, version: model.version, trunkVariant, epochs: result.epochsRun,
    trainSamples: train.targets.length, heldOutSamples: heldOut.targets.length, trainedAt: new Date().toISOString(),
    ...(rated ? { accuracy: evaluateHead(result.head, heldOut.embeddings, heldOut.targets).accuracy, baseAccuracy: evaluateHead(base, heldOut.embeddings, heldOut.targets).accuracy } : {}),
  };
  options.onProgress({ text: 'Saving the personalized head…', fraction: 0.98 });
  await savePersonalHead(info, result.head, trunk);
  options.onProgress({ text: 'Personalized.', fraction: 1 });
  return info;
}
