/** The server's limit (packages/server/src/projects/labels.ts), in characters (code points). */
export const MAX_LABEL_CHARACTERS = 64;

/** C0 and C1 controls, DEL, and the line and paragraph separators: what the server refuses in a label. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u; // eslint-disable-line no-control-regex -- finding them is the point

/**
 * Labels typed as "apple, banana, orange": trimmed, empties dropped, duplicates removed, order kept. Each is
 * in Unicode NFC, as the server stores it, so "é" typed either way is one label. Throws an Error in the form's
 * words for what the server would refuse: a control character, more than 64 characters.
 */
export function parseLabels(text: string, noun: 'label' | 'feature name' = 'label'): string[] {
  const labels = text.split(',').map((label) => label.normalize('NFC').trim()).filter(Boolean);
  for (const label of labels) {
    if (CONTROL.test(label)) throw new Error(`“${shown(label)}” contains a tab, line break or other control character; a ${noun} is one line of text.`);
    const characters = [...label].length;
    if (characters > MAX_LABEL_CHARACTERS) throw new Error(`“${shown(label)}” has ${characters} characters; a ${noun} has at most ${MAX_LABEL_CHARACTERS}.`);
  }
  return [...new Set(labels)];
}

/** A label as a message shows it: control characters escaped, cut after 64 characters. */
function shown(label: string): string {
  const characters = [...label];
  const cut = characters.length > MAX_LABEL_CHARACTERS ? `${characters.slice(0, MAX_LABEL_CHARACTERS).join('')}…` : label;
  return JSON.stringify(cut).slice(1, -1).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
