// What a text model needs from the phone: its vocabulary, sequence length and character n-grams if any
// (`model.input.preprocessing.text`; a model saved before n-grams has none and gets word ids only),
// checked once when the model loads, and how much of what the user typed the vocabulary knows.
import { SPECIAL_TOKENS, charNgrams, encodeText, tokenize, validateCharNgramSpec } from '@offgrid/features';
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
  if (spec.charNgrams !== undefined) {
    try {
      validateCharNgramSpec(spec.charNgrams);
    } catch (error) {
      throw new Error(`Model v${model.version}: ${(error as Error).message}.`, { cause: error });
    }
  }
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
  const ids = encodeText(text, spec.vocabulary, spec.seqLength, spec.charNgrams);
  const tokens = tokenize(text);
  const vocabulary = new Set(spec.vocabulary.slice(SPECIAL_TOKENS.length));
  let known = 0;
  // Walk the slots as encodeText fills them (<START>, then each word and its n-grams) to count only words that fit.
  for (let i = 0, slot = 1; i < tokens.length && slot < spec.seqLength; i++) {
    if (vocabulary.has(tokens[i])) known++;
    slot += 1 + (spec.charNgrams ? charNgrams(tokens[i], spec.charNgrams.minN, spec.charNgrams.maxN).length : 0);
  }
  return { ids, words: tokens.length, known };
}
