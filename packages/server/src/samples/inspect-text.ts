import { OffgridError } from '../errors.ts';

export const TEXT_LIMITS = { minCharacters: 1, maxCharacters: 5000 } as const;

// fatal: invalid UTF-8 is an error, not silently replaced with U+FFFD.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes as UTF-8 text; invalid sequences throw a 400 naming `what`. A BOM is dropped. */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new OffgridError('BAD_TEXT', `${what} is not valid UTF-8; save or send it as UTF-8.`);
  }
}

/** Checks one text sample (1–5000 characters, not blank) and returns it with its character count. */
export function checkText(text: string): { text: string; characters: number } {
  // Characters as people count them (code points), not UTF-16 units.
  const characters = [...text].length;
  if (text.trim().length === 0) throw new OffgridError('BAD_TEXT', characters === 0 ? 'The text is empty; send 1 to 5000 characters.' : 'The text is blank (only white space); send some words.');
  if (characters > TEXT_LIMITS.maxCharacters) throw new OffgridError('BAD_TEXT', `The text has ${characters} characters; at most ${TEXT_LIMITS.maxCharacters} are accepted. Split it into several samples.`);
  return { text, characters };
}

/** A text upload's bytes → the bytes stored (the decoded text re-encoded, so a BOM or a CSV row give the same blob). */
export function inspectText(bytes: Uint8Array): { stored: Uint8Array; characters: number } {
  const { text, characters } = checkText(decodeUtf8(bytes, 'The text'));
  return { stored: new TextEncoder().encode(text), characters };
}
