import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { preprocessImage } from '@offgrid/features';
import { readLabels, readMetadata, TfliteSession } from '@offgrid/tflite';
import { decodeImage } from '@offgrid/engine/data';

export interface Prediction {
  file: string;
  label: string;
  confidence: number;
}

/** Classifies image files with a .tflite image classifier that carries its labels and normalization in its metadata. */
export async function predictFiles(modelPath: string, files: string[]): Promise<Prediction[]> {
  const bytes = new Uint8Array(await readFile(modelPath));
  const labels = readLabels(bytes);
  if (!labels) throw new Error(`${basename(modelPath)} has no labels in its TFLite Metadata; export it with \`offgrid train\`.`);
  const input = readMetadata(bytes).metadata?.inputs[0];
  const normalization = input?.normalization ?? { mean: [0], std: [1] };
  const session = await TfliteSession.create(bytes);
  try {
    const [shape] = session.inputShapes;
    if (shape.length !== 4 || shape[3] !== 3) throw new Error(`${basename(modelPath)} is not an image classifier (input shape [${shape}]).`);
    const spec = { height: shape[1], width: shape[2], mean: normalization.mean[0], std: normalization.std[0] };
    const predictions: Prediction[] = [];
    for (const file of files) {
      const [probabilities] = await session.run([preprocessImage(await decodeImage(await readFile(file)), spec)]);
      let best = 0;
      for (let i = 1; i < probabilities.length; i++) if (probabilities[i] > probabilities[best]) best = i;
      predictions.push({ file, label: labels[best] ?? String(best), confidence: probabilities[best] });
    }
    return predictions;
  } finally {
    session.close();
  }
}

export async function predictCommand(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
  const [model, ...files] = positionals;
  if (!model || files.length === 0) {
    process.stderr.write('Usage: offgrid predict <model.tflite> <image files...> [--json]\n');
    return 2;
  }
  const predictions = await predictFiles(model, files);
  if (values.json) {
    process.stdout.write(JSON.stringify(predictions, null, 2) + '\n');
  } else {
    const width = Math.max(...predictions.map((p) => p.file.length));
    for (const p of predictions) process.stdout.write(`${p.file.padEnd(width)}  ${p.label}  ${(p.confidence * 100).toFixed(1)}%\n`);
  }
  return 0;
}
