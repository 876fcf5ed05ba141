/**
 * A user's file turned into model inputs with nothing but a report's `input` (the specs the phone gets): what
 * `offgrid predict` runs, and what the tests use to show the report is enough to reproduce training's inputs.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import {
  decodeWav, encodeText, motionWindows, parseMotionCsv, parseMotionRecording, preprocessAudio, scaleFeatures, spectralFeatures, splitCsvLine,
} from '@offgrid/features';
import type { InputPreprocessing, TrainReport } from './report.ts';

export interface FileInput {
  /** The file, or file#window for motion windows, or file:line for CSV rows. */
  source: string;
  /** One model input (token ids as floats for text models). */
  input: Float32Array;
}

/** Model inputs from one file: a .wav clip, a motion recording (.json / .csv), a .txt text, or a CSV of rows (tables). */
export async function inputsFromFile(path: string, input: Pick<TrainReport['input'], 'kind' | 'preprocessing'>, task: TrainReport['task'] = 'classify'): Promise<FileInput[]> {
  const { kind } = input;
  // Reports from before `preprocessing` existed were image and tabular models; a tabular one needs retraining here.
  const preprocessing = input.preprocessing ?? {};
  const extension = extname(path).toLowerCase();
  const expect = (extensions: string[], what: string) => {
    if (!extensions.includes(extension)) throw new Error(`${basename(path)}: this ${kind} model takes ${what} (${extensions.join(', ')}).`);
  };
  switch (kind) {
    case 'audio': {
      expect(['.wav'], 'WAV clips');
      return [{ source: path, input: preprocessAudio(decodeWav(new Uint8Array(await readFile(path))), preprocessing.audio!) }];
    }
    case 'motion': {
      expect(['.json', '.csv'], 'motion recordings');
      const text = await readFile(path, 'utf8');
      const recording = extension === '.csv' ? parseMotionCsv(text) : parseMotionRecording(parseJson(text, path));
      const spec = preprocessing.motion!;
      const windows = motionWindows(recording, spec);
      if (windows.length === 0) throw new Error(`${basename(path)} is shorter than one ${spec.windowSeconds} s window.`);
      return windows.map((window, w) => ({ source: `${path}#${w}`, input: spec.features === 'spectral' ? spectralFeatures(window, spec) : window }));
    }
    case 'text': {
      expect(['.txt'], 'UTF-8 .txt files');
      const spec = preprocessing.text!;
      return [{ source: path, input: Float32Array.from(encodeText(await readFile(path, 'utf8'), spec.vocabulary, spec.seqLength, spec.charNgrams)) }];
    }
    case 'tabular': {
      expect(['.csv'], 'CSV files with a header naming the feature columns');
      if (!preprocessing.tabular) throw new Error(`${basename(path)}: this model's report predates recorded preprocessing; retrain it to predict from CSV files.`);
      return tabularRows(await readFile(path, 'utf8'), path, preprocessing.tabular);
    }
    default:
      throw new Error(`${basename(path)}: ${kind} models take ${kind === 'image' ? 'images' : 'other files'} (task ${task}).`);
  }
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${basename(path)} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** Each CSV row's feature columns (found by name, any order; other columns such as `label` are ignored), standardized. */
function tabularRows(text: string, path: string, spec: NonNullable<InputPreprocessing['tabular']>): FileInput[] {
  const lines = text.split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '').map((c) => c.trim());
  const columns = spec.featureNames.map((name) => header.indexOf(name));
  const missing = spec.featureNames.filter((_, i) => columns[i] < 0);
  if (missing.length > 0) throw new Error(`${basename(path)} lacks the column(s) ${missing.join(', ')} the model takes (header: ${header.join(', ')}).`);
  const rows: FileInput[] = [];
  for (let l = 1; l < lines.length; l++) {
    if (lines[l].trim() === '') continue;
    const cells = splitCsvLine(lines[l]);
    const values = columns.map((c) => Number(cells[c]));
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new Error(`${basename(path)}:${l + 1}: column "${spec.featureNames[bad]}" is not a number (${JSON.stringify(cells[columns[bad]])}).`);
    rows.push({ source: `${path}:${l + 1}`, input: scaleFeatures(values, spec) });
  }
  return rows;
}
