import { readFile } from 'node:fs/promises';
import { DEFAULT_AUDIO_SPEC, decodeWav, preprocessAudio, spectrogramShape, type AudioSpec } from '@offgrid/features';
import { standardizeAll } from './standardize.ts';
import { concatSamples, requireEveryLabel, type LabelFolders, type LoadedDataset, type LoadProgress } from './dataset.ts';

/**
 * One log-mel spectrogram [frames, melBands] per .wav clip. Without a normalization in the spec, the mean and
 * standard deviation of all log-mel values of the loaded clips are computed, applied, and recorded in
 * preprocessing.audio.normalization (one scalar pair: the phone applies the same).
 */
export async function loadAudioFiles({ labels, files }: LabelFolders, root: string, spec: AudioSpec = DEFAULT_AUDIO_SPEC, onProgress?: (p: LoadProgress) => void): Promise<LoadedDataset> {
  const shape = spectrogramShape(spec);
  const { normalization: given, ...unnormalized } = spec;
  const samples: Float32Array[] = [];
  const targets: number[] = [];
  const sources: string[] = [];
  const skipped: LoadedDataset['skipped'] = [];
  for (const [i, file] of files.entries()) {
    try {
      const clip = decodeWav(await readFile(file.path));
      if (clip.samples.length === 0) throw new Error('The WAV file has no samples');
      samples.push(preprocessAudio(clip, unnormalized));
      targets.push(file.target);
      sources.push(file.path);
    } catch (error) {
      skipped.push({ source: file.path, reason: (error as Error).message });
    }
    onProgress?.({ done: i + 1, total: files.length });
  }
  requireEveryLabel(labels, targets, '.wav clips', root);
  const x = concatSamples(samples, shape[0] * shape[1]);
  const normalization = standardizeAll(x, given);
  return {
    kind: 'audio', labels, shape, x, targets: Int32Array.from(targets), sources, skipped,
    preprocessing: { audio: { ...unnormalized, normalization } },
  };
}

