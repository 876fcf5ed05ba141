// A text sample as the phone saves it: trimmed, 1–5000 characters (code points, as the server counts them),
// not blank, UTF-8 bytes for the outbox. Checked here so the user hears about it at once, not as a failed upload.

export const MAX_TEXT_CHARACTERS = 5000;
export const TEXT_CONTENT_TYPE = 'text/plain; charset=utf-8';

const utf8 = new TextEncoder();

/** Characters as people count them (code points, so an emoji is one). */
export function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** The bytes to upload for what the user typed; an Error saying what to fix when it cannot be a sample. */
export function textSampleBytes(typed: string): Uint8Array {
  const text = typed.trim();
  if (text === '') throw new Error('Type some text first.');
  const characters = characterCount(text);
  if (characters > MAX_TEXT_CHARACTERS) throw new Error(`The text has ${characters} characters; at most ${MAX_TEXT_CHARACTERS} fit in one sample. Split it into several.`);
  return utf8.encode(text);
}
