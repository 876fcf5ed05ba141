import { readFile } from 'node:fs/promises';
import { DEFAULT_TEXT_SPEC, encodeText, learnVocabulary, tokenize } from '@offgrid/features';
import { requireEveryLabel, type LabelFolders, type LoadedDataset, type LoadProgress, type ModalitySpecs } from './dataset.ts';

interface TextSample {
  text: string;
  target: number;
  source: string;
}

/** One sample per .txt file (UTF-8), labelled by its sub-folder. */
export async function loadTextFiles({ labels, files }: LabelFolders, root: string, spec: ModalitySpecs['text'], onProgress?: (p: LoadProgress) => void): Promise<LoadedDataset> {
  const samples: TextSample[] = [];
  for (const [i, file] of files.entries()) {
    samples.push({ text: await readFile(file.path, 'utf8'), target: file.target, source: file.path });
    onProgress?.({ done: i + 1, total: files.length });
  }
  return encodeTexts(samples, labels, root, spec, []);
}

/** Rows of a CSV with a `text` column: labels are the distinct values of `label`, sorted. */
export function textDataset(rows: { text: string; label: string; source: string }[], name: string, spec: ModalitySpecs['text'], skipped: LoadedDataset['skipped'], minLabels = 2): LoadedDataset {
  const labels = [...new Set(rows.map((r) => r.label))].sort((a, b) => a.localeCompare(b));
  if (labels.length < minLabels) throw new Error(`${name} needs at least ${minLabels === 1 ? 'one label' : 'two distinct labels'}; found ${labels.length}.`);
  return encodeTexts(rows.map((r) => ({ text: r.text, target: labels.indexOf(r.label), source: r.source })), labels, name, spec, skipped);
}

/**
 * Token ids as float32 [seqLength] per sample. The vocabulary is learned from the loaded texts unless the
 * spec brings one (a test set encoded with the training vocabulary); texts without a word are skipped.
 */
function encodeTexts(samples: TextSample[], labels: string[], where: string, spec: ModalitySpecs['text'], skipped: LoadedDataset['skipped']): LoadedDataset {
  const { seqLength, maxTokens } = { ...DEFAULT_TEXT_SPEC, ...spec };
  // A spec that brings its vocabulary is a stored model's: applied as stored (no charNgrams there: words only).
  const charNgrams = spec?.vocabulary ? spec.charNgrams : (spec?.charNgrams ?? DEFAULT_TEXT_SPEC.charNgrams);
  const usable = samples.filter((sample) => {
    if (tokenize(sample.text).length > 0) return true;
    skipped.push({ source: sample.source, reason: 'has no words' });
    return false;
  });
  const vocabulary = spec?.vocabulary ?? learnVocabulary(usable.map((s) => s.text), { maxTokens });
  const x = new Float32Array(usable.length * seqLength);
  usable.forEach((sample, i) => x.set(encodeText(sample.text, vocabulary, seqLength, charNgrams), i * seqLength));
  const targets = Int32Array.from(usable.map((s) => s.target));
  requireEveryLabel(labels, targets, 'texts', where);
  return {
    kind: 'text', labels, shape: [seqLength], x, targets, sources: usable.map((s) => s.source), skipped,
    preprocessing: { text: { seqLength, maxTokens, vocabulary, ...(charNgrams ? { charNgrams } : {}) } },
  };
}
