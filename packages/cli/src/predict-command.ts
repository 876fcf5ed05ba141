import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_IMAGE_SPEC, preprocessImage } from '@offgrid/features';
import { parseModel, readAnomalyThreshold, readLabels, readMetadata, readTextTokenizer, readVocabulary, TfliteSession } from '@offgrid/tflite';
import { decodeImage } from '@offgrid/engine/data';
import { inputConverter, inputsFromFile, type FileInput, type TrainReport } from '@offgrid/pipeline';

/** One answer per file (per row for CSV tables). Motion recordings are summed up over their windows. */
export interface Prediction {
  file: string;
  /** Classifiers: the label with the highest probability (motion: averaged over the windows) and that probability. */
  label?: string;
  confidence?: number;
  /** Anomaly detectors: the score (motion: the highest window's), the model's threshold and whether it alarms. */
  score?: number;
  threshold?: number;
  alarm?: boolean;
  /** Motion: windows in the recording, and how many chose `label` / raised an alarm. */
  windows?: number;
  agreeing?: number;
}

type ModelInputSpec = Pick<TrainReport['input'], 'kind' | 'preprocessing'>;

/**
 * What the model takes and what it answers: from report.json beside the model (what `offgrid train` writes),
 * or, without one, from the model's own metadata where it says enough (image classifiers; text vocabulary).
 */
async function describeModel(modelPath: string, bytes: Uint8Array): Promise<{ input: ModelInputSpec; task: TrainReport['task'] }> {
  const report = await readFile(join(dirname(modelPath), 'report.json'), 'utf8').then((text) => JSON.parse(text) as TrainReport, () => undefined);
  if (report?.input?.preprocessing) return { input: report.input, task: report.task ?? 'classify' };
  const model = parseModel(bytes);
  const shape = model.tensors[model.inputs[0]].shape;
  const metadataInput = readMetadata(bytes).metadata?.inputs[0];
  if (shape.length === 4 && shape[3] === 3) {
    const normalization = metadataInput?.normalization ?? { mean: [0], std: [1] };
    return { input: { kind: 'image', preprocessing: { image: { height: shape[1], width: shape[2], mean: normalization.mean[0], std: normalization.std[0] } } }, task: 'classify' };
  }
  const vocabulary = readVocabulary(bytes);
  if (vocabulary) {
    const charNgrams = readTextTokenizer(bytes)?.charNgrams;
    const ngrams = charNgrams ? { charNgrams: { minN: charNgrams.minN, maxN: charNgrams.maxN, buckets: charNgrams.buckets } } : {};
    return { input: { kind: 'text', preprocessing: { text: { seqLength: shape[1], maxTokens: vocabulary.length, vocabulary, ...ngrams } } }, task: 'classify' };
  }
  throw new Error(`${basename(modelPath)} takes [${shape}] and its metadata does not say how to make that from a file: keep the report.json that \`offgrid train\` wrote next to it.`);
}

async function inputsOf(file: string, input: ModelInputSpec, task: TrainReport['task']): Promise<FileInput[]> {
  if (input.kind !== 'image') return inputsFromFile(file, input, task);
  return [{ source: file, input: preprocessImage(await decodeImage(await readFile(file)), input.preprocessing?.image ?? DEFAULT_IMAGE_SPEC) }];
}

/** Runs a model made by `offgrid train` on files of its kind: images, .wav, motion .json/.csv, .txt, or CSV rows. */
export async function predictFiles(modelPath: string, files: string[]): Promise<Prediction[]> {
  const bytes = new Uint8Array(await readFile(modelPath));
  const { input, task } = await describeModel(modelPath, bytes);
  const labels = readLabels(bytes);
  const threshold = readAnomalyThreshold(bytes);
  if (task === 'anomaly' && threshold === undefined) throw new Error(`${basename(modelPath)} has no anomaly threshold in its metadata; export it with \`offgrid train --task anomaly\`.`);
  if (task === 'classify' && !labels) throw new Error(`${basename(modelPath)} has no labels in its TFLite Metadata; export it with \`offgrid train\`.`);
  const asInput = inputConverter(bytes);
  const session = await TfliteSession.create(bytes);
  try {
    const predictions: Prediction[] = [];
    for (const file of files) {
      const inputs = await inputsOf(file, input, task);
      const outputs: Float32Array[] = [];
      for (const { input: values } of inputs) outputs.push((await session.run([asInput(values)]))[0]);
      // CSV tables: one answer per row; a motion recording: one answer over its windows.
      const groups = input.kind === 'tabular' ? inputs.map((row, i) => ({ file: row.source, outputs: [outputs[i]] })) : [{ file, outputs }];
      for (const group of groups) predictions.push(task === 'anomaly' ? alarmOf(group, threshold!, input.kind === 'motion') : labelOf(group, labels!, input.kind === 'motion'));
    }
    return predictions;
  } finally {
    session.close();
  }
}

function labelOf({ file, outputs }: { file: string; outputs: Float32Array[] }, labels: string[], windowed: boolean): Prediction {
  const mean = new Float32Array(outputs[0].length);
  for (const probabilities of outputs) probabilities.forEach((p, c) => { mean[c] += p / outputs.length; });
  const best = argmax(mean);
  return {
    file, label: labels[best] ?? String(best), confidence: mean[best],
    ...(windowed ? { windows: outputs.length, agreeing: outputs.filter((p) => argmax(p) === best).length } : {}),
  };
}

function alarmOf({ file, outputs }: { file: string; outputs: Float32Array[] }, threshold: number, windowed: boolean): Prediction {
  const scores = outputs.map((o) => o[0]);
  const score = Math.max(...scores);
  return { file, score, threshold, alarm: score > threshold, ...(windowed ? { windows: scores.length, agreeing: scores.filter((s) => s > threshold).length } : {}) };
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

export async function predictCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
  const [model, ...files] = positionals;
  if (!model || files.length === 0) {
    process.stderr.write('Usage: offgrid predict <model.tflite> <files...> [--json]   (images, .wav, motion .json/.csv, .txt, or a CSV of table rows)\n');
    return 2;
  }
  const predictions = await predictFiles(model, files);
  if (values.json) {
    process.stdout.write(JSON.stringify(predictions, null, 2) + '\n');
  } else {
    const width = Math.max(...predictions.map((p) => p.file.length));
    for (const p of predictions) {
      const answer = p.alarm === undefined
        ? `${p.label}  ${(p.confidence! * 100).toFixed(1)}%${p.windows ? `  (${p.agreeing}/${p.windows} windows)` : ''}`
        : `${p.alarm ? 'ALARM' : 'ok'}  score ${p.score!.toPrecision(4)} (threshold ${p.threshold!.toPrecision(4)})${p.windows ? `  (${p.agreeing}/${p.windows} windows over)` : ''}`;
      process.stdout.write(`${p.file.padEnd(width)}  ${answer}\n`);
    }
  }
  return 0;
}
