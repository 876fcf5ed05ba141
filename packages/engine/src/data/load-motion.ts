import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import {
  DEFAULT_MOTION_SPEC, motionWindowShape, motionWindows, parseMotionCsv, parseMotionRecording,
  recordingSteps, type MotionRecording, type MotionSpec,
} from '@offgrid/features';
import { concatSamples, requireEveryLabel, type LabelFolders, type LoadedDataset, type LoadProgress } from './dataset.ts';
import { standardizeChannels } from './standardize.ts';

/**
 * Windows [steps, channels] from motion recordings (`.json` in the offgrid.motion.v1 upload format, or `.csv`
 * with a header of channel names and a `t`/`timestamp` column: see parseMotionCsv). Every window of a file shares
 * its group. Without a normalization in the spec, each channel is standardized over all loaded windows and the
 * mean/std recorded in preprocessing.motion.normalization.
 */
export async function loadMotionFiles({ labels, files }: LabelFolders, root: string, spec: MotionSpec = DEFAULT_MOTION_SPEC, onProgress?: (p: LoadProgress) => void): Promise<LoadedDataset> {
  const shape = motionWindowShape(spec);
  const { normalization: given, ...raw } = spec;
  const windows: Float32Array[] = [];
  const targets: number[] = [];
  const sources: string[] = [];
  const groups: number[] = [];
  const skipped: LoadedDataset['skipped'] = [];
  let recordings = 0;
  for (const [i, file] of files.entries()) {
    try {
      const recording = await readRecording(file.path);
      const found = motionWindows(recording, raw);
      if (found.length === 0) {
        throw new Error(`The recording lasts ${(recordingSteps(recording) / recording.rateHz).toFixed(2)} s, shorter than one ${spec.windowSeconds} s window`);
      }
      found.forEach((window, w) => {
        windows.push(window);
        targets.push(file.target);
        sources.push(`${file.path}#${w}`);
        groups.push(recordings);
      });
      recordings++;
    } catch (error) {
      skipped.push({ source: file.path, reason: (error as Error).message });
    }
    onProgress?.({ done: i + 1, total: files.length });
  }
  requireEveryLabel(labels, targets, 'motion recordings', root);
  const [steps, channels] = shape;
  const x = concatSamples(windows, steps * channels);
  const normalization = standardizeChannels(x, channels, given);
  return {
    kind: 'motion', labels, shape, x, targets: Int32Array.from(targets), sources, groups: Int32Array.from(groups), groupedBy: { by: 'recording' }, skipped,
    preprocessing: { motion: { ...raw, normalization } },
  };
}

async function readRecording(path: string): Promise<MotionRecording> {
  const text = await readFile(path, 'utf8');
  if (extname(path).toLowerCase() === '.csv') return parseMotionCsv(text);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`Not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseMotionRecording(json);
}
