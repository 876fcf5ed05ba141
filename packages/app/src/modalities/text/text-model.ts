// What a text model needs from the phone: its vocabulary and sequence length (`model.input.preprocessing.text`),
// checked once when the model loads, and how much of what the user typed the vocabulary knows.
import { SPECIAL_TOKENS, UNKNOWN_ID, encodeText, tokenize } from '@offgrid/features';
import type { TextSpec } from '@offgrid/features';
import type { ModelVersion } from '@offgrid/sdk';
import { requirePreprocessing } from '../model-fields.ts';

export type ModelTextSpec = TextSpec & { vocabulary: string[] };

/** The model's text preprocessing; an Error naming what is wrong when the metadata cannot encode text. */
export function modelTextSpec(model: ModelVersion): ModelTextSpec {
  const spec = requirePreprocessing(model, 'text');
  if (!Number.isInteger(spec.seqLength) || spec.seqLength < 2) throw new Error(`Model v${model.version}: text seqLength must be an integer ≥ 2, got ${String(spec.seqLength)}.`);
  const { vocabulary } = spec;
  if (!Array.isArray(vocabulary) || vocabulary.length <= SPECIAL_TOKENS.length || !vocabulary.every((token) => typeof token === 'string')) {
    throw new Error(`Model v${model.version}: its text vocabulary is missing or empty.`);
  }
  SPECIAL_TOKENS.forEach((token, id) => {
    if (vocabulary[id] !== token) throw new Error(`Model v${model.version}: vocabulary entry ${id} must be ${token}, got ${JSON.stringify(vocabulary[id])}.`);
  });
  return spec;
}

export interface EncodedText {
  ids: Int32Array;
  /** Words in the text (after tokenizing) and how many of those that fit in seqLength the vocabulary knows. */
  words: number;
  known: number;
}

/** The model input for typed text (`encodeText`, the server's code) and how well the vocabulary covers it. */
export function encodeForModel(text: string, spec: ModelTextSpec): EncodedText {
  const ids = encodeText(text, spec.vocabulary, spec.seqLength);
  const words = tokenize(text).length;
  let known = 0;
  // ids[0] is <START>; the rest are tokens then padding.
  for (let i = 1; i < Math.min(ids.length, words + 1); i++) if (ids[i] !== UNKNOWN_ID) known++;
  return { ids, words, known };
}
