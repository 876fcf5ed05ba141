// What learning on the phone starts from, for one model version: the samples the phone holds (kept in privacy
// mode, or still in the outbox), the version's head and the trunk of the variant the phone runs, and the
// samples embedded by that trunk in LiteRT.js.
import { decodeHead, type Head } from '@offgrid/federated';
import { isEditEntry, type ModelVersion, type OffgridClient } from '@offgrid/sdk';
import type { SampleQueue } from '../../context.ts';
import { loadLocalSamples } from '../local-samples.ts';
import { Predictor, type Accelerator } from '../predictor.ts';
import type { PhoneVariant } from '../variant-choice.ts';
import { embedSamples, type Embedded, type LabelledSample } from './embed.ts';
import { trunkVariantFor, type TrunkVariant } from './rating.ts';
import { sampleEncoder } from './sample-input.ts';

export interface LearningProgress {
  text: string;
  /** 0..1 within the whole run, when known. */
  fraction?: number;
}

export interface Prepared {
  base: Head;
  trunk: Uint8Array;
  trunkVariant: TrunkVariant;
  data: Embedded;
}

/** The project's samples this phone holds: kept on it (privacy mode), and captures still waiting in the outbox. */
export async function samplesOnPhone(projectId: string, outbox: Pick<SampleQueue, 'list'>): Promise<LabelledSample[]> {
  const kept = await loadLocalSamples(projectId);
  const queued = outbox.list().flatMap((entry) => (entry.projectId === projectId && !isEditEntry(entry) ? [{ label: entry.label, contentType: entry.contentType, data: entry.data }] : []));
  return [...kept, ...queued];
}

/** Downloads the head and trunk (sha256-verified), embeds the samples; the trunk is closed afterwards. */
export async function prepareLearning(
  client: OffgridClient,
  model: ModelVersion,
  variant: PhoneVariant | undefined,
  samples: readonly LabelledSample[],
  options: { accelerator?: Accelerator; signal?: AbortSignal; onProgress(progress: LearningProgress): void },
): Promise<Prepared> {
  if (!model.artifacts.some((a) => a.variant === 'head')) throw new Error(`Model v${model.version} has no head file; only classifiers learn on the phone.`);
  const encode = sampleEncoder(model);
  const trunkVariant = trunkVariantFor(variant);
  options.onProgress({ text: `Downloading v${model.version}'s head and ${trunkVariant}…`, fraction: 0 });
  const [headFile, trunk] = await Promise.all([client.downloadHead(model.id, { signal: options.signal }), client.downloadModel(model.id, trunkVariant, { signal: options.signal })]);
  const base = decodeHead(headFile);
  if (base.numClasses !== model.labels.length) throw new Error(`v${model.version}'s head has ${base.numClasses} classes for ${model.labels.length} labels.`);
  options.onProgress({ text: 'Starting LiteRT.js for the trunk…', fraction: 0.05 });
  const predictor = await Predictor.load(trunk.bytes, model.input, options.accelerator);
  try {
    const data = await embedSamples(predictor, encode, samples, model.labels, {
      signal: options.signal,
      onProgress: (done, total) => options.onProgress({ text: `Embedding samples: ${done} of ${total}`, fraction: 0.05 + 0.45 * (done / total) }),
    });
    if (data.inputSize !== base.inputSize && data.targets.length > 0) throw new Error(`The trunk gives ${data.inputSize} values; the head reads ${base.inputSize}.`);
    return { base, trunk: trunk.bytes, trunkVariant, data };
  } finally {
    predictor.dispose();
  }
}
