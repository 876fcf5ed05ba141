import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import {
  DEFAULT_IMAGE_SPEC, decodeWav, encodeText, fitStandardScaler, learnVocabulary, motionWindowShape, motionWindows, NORMAL_LABEL, parseMotionRecording,
  preprocessAudio, preprocessImage, recordingSteps, scaleFeatures, spectrogramShape, tokenize, type AudioSpec, type MotionSpec,
} from '@offgrid/features';
import { decodeImage, standardizeAll, standardizeChannels, type LoadedDataset } from '@offgrid/engine/data';
import type { Project } from '../projects/project-store.ts';
import { audioSpecOf, motionSpecOf, textSpecOf } from '../projects/project-specs.ts';
import type { Sample } from '../samples/sample-store.ts';
import { captureSessions, SESSION_GAP_SECONDS } from './capture-sessions.ts';

/** What of a project shapes its dataset; a job passes its snapshot's labels. */
export type DatasetProject = Pick<Project, 'modality' | 'task' | 'labels' | 'featureNames' | 'settings'>;

export interface BuildOptions {
  /** Checked between samples: a cancelled job stops decoding. */
  signal?: AbortSignal;
  onProgress?: (progress: { done: number; total: number }) => void;
}

/** One sample's model input(s): motion recordings give several windows, everything else one. */
type Decoded = { kind: 'one'; input: Float32Array } | { kind: 'many'; inputs: Float32Array[] } | { kind: 'text'; text: string };

/** The CPU-bound decoders (log-mel, windows) run on the API's thread: yield this often so requests keep flowing. */
const YIELD_EVERY = 16;

/**
 * Turns a job's snapshot samples into the trainer's LoadedDataset, for every modality, with the same
 * `@offgrid/features` functions the phone runs (docs/modalities.md). What the phone must replicate (audio
 * and motion normalization, the text vocabulary) is fitted here on these samples and returned in
 * `preprocessing`. A sample that cannot be decoded is listed in `skipped` with the reason; the build fails
 * (with a message naming the labels) only when a label the task needs is left without samples.
 */
export async function buildDataset(project: DatasetProject, samples: readonly Sample[], readBlob: (sha256: string) => Promise<Uint8Array>, options: BuildOptions = {}): Promise<LoadedDataset> {
  const { signal, onProgress } = options;
  const decode = decoderOf(project);
  const used: { sample: Sample; decoded: Decoded }[] = [];
  const skipped: LoadedDataset['skipped'] = [];
  for (const [i, sample] of samples.entries()) {
    signal?.throwIfAborted();
    try {
      const target = project.labels.indexOf(sample.label);
      if (target < 0) throw new Error(`label "${sample.label}" is not one of the dataset's labels`);
      used.push({ sample, decoded: await decode(await readBlob(sample.sha256)) });
    } catch (error) {
      skipped.push({ source: sample.id, reason: (error as Error).message });
    }
    onProgress?.({ done: i + 1, total: samples.length });
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await yieldToEventLoop();
  }
  signal?.throwIfAborted();
  const dataset = assemble(project, used, skipped);
  requireLabels(project, dataset);
  return dataset;
}

function decoderOf(project: DatasetProject): (bytes: Uint8Array) => Promise<Decoded> {
  switch (project.modality) {
    case 'image':
      return async (bytes) => ({ kind: 'one', input: preprocessImage(await decodeImage(bytes), DEFAULT_IMAGE_SPEC) });
    case 'audio': {
      const spec = rawAudioSpec(project);
      return async (bytes) => {
        const clip = decodeWav(bytes);
        if (clip.samples.length === 0) throw new Error('The WAV file has no samples');
        return { kind: 'one', input: preprocessAudio(clip, spec) };
      };
    }
    case 'motion': {
      const spec = motionSpecOf(project.settings);
      return async (bytes) => {
        const recording = parseMotionRecording(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)));
        const inputs = motionWindows(recording, spec);
        if (inputs.length === 0) throw new Error(`The recording lasts ${(recordingSteps(recording) / recording.rateHz).toFixed(2)} s, shorter than one ${spec.windowSeconds} s window`);
        return { kind: 'many', inputs };
      };
    }
    case 'text':
      return async (bytes) => {
        const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        if (tokenize(text).length === 0) throw new Error('The text has no words');
        return { kind: 'text', text };
      };
    case 'tabular': {
      const width = project.featureNames?.length ?? 0;
      return async (bytes) => {
        const features = (JSON.parse(new TextDecoder().decode(bytes)) as { features?: unknown }).features;
        if (!Array.isArray(features) || features.length !== width || !features.every((v) => typeof v === 'number' && Number.isFinite(v))) {
          throw new Error(`The row is not ${width} finite numbers`);
        }
        return { kind: 'one', input: Float32Array.from(features as number[]) };
      };
    }
  }
}

/** The audio spec without normalization: the log-mels are computed raw, then normalized with the fitted scalar pair. */
function rawAudioSpec(project: DatasetProject): AudioSpec {
  const spec = audioSpecOf(project.settings);
  delete spec.normalization;
  return spec;
}

function assemble(project: DatasetProject, used: { sample: Sample; decoded: Decoded }[], skipped: LoadedDataset['skipped']): LoadedDataset {
  const labels = [...project.labels];
  const base = { labels, skipped };
  const targetOf = (sample: Sample) => labels.indexOf(sample.label);
  const ones = () => used.map(({ decoded }) => (decoded as Extract<Decoded, { kind: 'one' }>).input);
  const simple = { targets: Int32Array.from(used.map(({ sample }) => targetOf(sample))), sources: used.map(({ sample }) => sample.id) };
  // Photos and clips captured in one go are near-duplicates: the splits keep a session on one side when there are enough.
  const groups = captureSessions(used.map(({ sample }) => sample));
  const sessions = groups ? { groups, groupedBy: { by: 'session' as const, gapSeconds: SESSION_GAP_SECONDS } } : {};
  switch (project.modality) {
    case 'image':
      return {
        ...base, ...simple, ...sessions, kind: 'image', shape: [DEFAULT_IMAGE_SPEC.height, DEFAULT_IMAGE_SPEC.width, 3], x: concat(ones()),
        imageNormalization: { mean: DEFAULT_IMAGE_SPEC.mean, std: DEFAULT_IMAGE_SPEC.std },
      };
    case 'audio': {
      const spec = rawAudioSpec(project);
      const x = concat(ones());
      const normalization = standardizeAll(x);
      return { ...base, ...simple, ...sessions, kind: 'audio', shape: spectrogramShape(spec), x, preprocessing: { audio: { ...spec, normalization } } };
    }
    case 'motion':
      return motionDataset(motionSpecOf(project.settings), used, labels, skipped);
    case 'text': {
      const spec = textSpecOf(project.settings);
      const texts = used.map(({ decoded }) => (decoded as Extract<Decoded, { kind: 'text' }>).text);
      const vocabulary = learnVocabulary(texts, { maxTokens: spec.maxTokens });
      const x = new Float32Array(texts.length * spec.seqLength);
      texts.forEach((text, i) => x.set(encodeText(text, vocabulary, spec.seqLength, spec.charNgrams), i * spec.seqLength));
      return { ...base, ...simple, kind: 'text', shape: [spec.seqLength], x, preprocessing: { text: { ...spec, vocabulary } } };
    }
    case 'tabular': {
      const rows = ones();
      const featureNames = [...(project.featureNames ?? [])];
      // An empty dataset has nothing to fit; requireLabels reports it.
      const scaler = rows.length > 0 ? fitStandardScaler(rows) : { mean: featureNames.map(() => 0), std: featureNames.map(() => 1) };
      return { ...base, ...simple, kind: 'tabular', shape: [featureNames.length], x: concat(rows.map((row) => scaleFeatures(row, scaler))), featureNames, featureScaling: scaler };
    }
  }
}

/** Windows of every recording; `groups` holds the recording's index so a split keeps its windows together. Channels are standardized over all windows. */
function motionDataset(spec: MotionSpec, used: { sample: Sample; decoded: Decoded }[], labels: string[], skipped: LoadedDataset['skipped']): LoadedDataset {
  const [steps, channels] = motionWindowShape(spec);
  const windows: Float32Array[] = [];
  const targets: number[] = [];
  const sources: string[] = [];
  const groups: number[] = [];
  used.forEach(({ sample, decoded }, recording) => {
    (decoded as Extract<Decoded, { kind: 'many' }>).inputs.forEach((window, w) => {
      windows.push(window);
      targets.push(labels.indexOf(sample.label));
      sources.push(`${sample.id}#${w}`);
      groups.push(recording);
    });
  });
  const x = concat(windows);
  const normalization = standardizeChannels(x, channels);
  return {
    kind: 'motion', labels, shape: [steps, channels], x, targets: Int32Array.from(targets), sources, groups: Int32Array.from(groups), groupedBy: { by: 'recording' }, skipped,
    preprocessing: { motion: { ...spec, normalization } },
  };
}

/** Classification needs every label; anomaly detection needs its normal data (the other labels are optional known anomalies). */
function requireLabels(project: DatasetProject, dataset: LoadedDataset): void {
  const present = new Set(dataset.targets);
  const needed = project.task === 'anomaly' ? [NORMAL_LABEL] : project.labels;
  const missing = needed.filter((label) => !present.has(project.labels.indexOf(label)));
  if (missing.length === 0) return;
  const reasons = dataset.skipped.length > 0 ? ` ${dataset.skipped.length} sample(s) could not be used, e.g. ${dataset.skipped[0].source}: ${dataset.skipped[0].reason}.` : '';
  throw new Error(`No usable ${project.modality} samples for label(s) ${missing.join(', ')}.${reasons}`);
}

function concat(inputs: Float32Array[]): Float32Array {
  const size = inputs[0]?.length ?? 0;
  const x = new Float32Array(inputs.length * size);
  inputs.forEach((input, i) => x.set(input, i * size));
  return x;
}
