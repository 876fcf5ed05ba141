import type { FastifyRequest } from 'fastify';
import { echo, OffgridError } from '../errors.ts';

/** The longest label (or feature name), in characters: Unicode code points, as JSON Schema's maxLength counts them. */
export const MAX_LABEL_CHARACTERS = 64;

/** C0 and C1 controls, DEL, and the Unicode line and paragraph separators: none belongs in a one-line name. */
const CONTROL_CHARACTERS = '\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029';
const CONTROL = new RegExp(`[${CONTROL_CHARACTERS}]`, 'u');

/**
 * JSON schema of one label (and of one feature name): what every route that takes one declares, so the OpenAPI
 * document and the SDK say it. `parseLabel` checks the same rules first, in words that say the fix.
 */
export const labelSchema = {
  type: 'string', minLength: 1, maxLength: MAX_LABEL_CHARACTERS, pattern: `^[^${CONTROL_CHARACTERS}]+$`,
  description: `One line of text: 1–${MAX_LABEL_CHARACTERS} characters, no control characters (line breaks, tabs, NUL). Compared and stored in Unicode NFC without surrounding spaces: "é" typed as one character or as e + a combining accent is one label.`,
} as const;

/** The one form labels are stored and compared in: Unicode NFC, without surrounding spaces. */
export function normalizeLabel(label: string): string {
  return label.normalize('NFC').trim();
}

/**
 * A label from any door (a JSON body, ?label=, a multipart field name, a CSV cell, an archive's manifest):
 * checked, then normalized (normalizeLabel). `subject` says where it came from ("labels[1]", "The label").
 * Throws a 400 (OFFGRID_ERR_VALIDATION) whose message says the fix.
 */
export function parseLabel(value: unknown, subject: string, noun: 'label' | 'feature name' = 'label'): string {
  const refuse = (problem: string) => new OffgridError('VALIDATION', `${subject} ${problem}`);
  if (typeof value !== 'string') {
    if (typeof value === 'number') throw refuse(`is the number ${value}; a ${noun} must be a JSON string: send "${value}".`);
    throw refuse(`is ${kindOf(value)}; a ${noun} must be a JSON string.`);
  }
  const control = CONTROL.exec(value)?.[0];
  if (control !== undefined) {
    const codePoint = control.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw refuse(`(${echo(value)}) contains a control character (U+${codePoint}); a ${noun} is one line of text: remove line breaks, tabs and other control characters.`);
  }
  const label = normalizeLabel(value);
  if (label === '') throw refuse(`is empty; a ${noun} needs at least one character that is not a space.`);
  const characters = codePoints(label);
  if (characters > MAX_LABEL_CHARACTERS) throw refuse(`(${echo(value)}) has ${characters} characters; a ${noun} has at most ${MAX_LABEL_CHARACTERS}: shorten it.`);
  return label;
}

/** A project's labels as sent (project creation, an archive's manifest): each parsed, none given twice once normalized. */
export function cleanLabels(labels: readonly unknown[]): string[] {
  const cleaned = labels.map((label, i) => parseLabel(label, `labels[${i}]`));
  checkUnique('Labels', labels.map(String), cleaned);
  return cleaned;
}

/** The project's own spelling of a label given in any normalization (projects stored before NFC keep theirs). */
export function findLabel(labels: readonly string[], label: string): string | undefined {
  if (labels.includes(label)) return label;
  const wanted = normalizeLabel(label);
  return labels.find((candidate) => normalizeLabel(candidate) === wanted);
}

/**
 * Throws a 400 naming the first name given twice once normalized; `given` are the names as sent, `normalized`
 * the same names after parseLabel.
 */
export function checkUnique(what: string, given: readonly string[], normalized: readonly string[], noun: 'label' | 'feature name' = 'label'): void {
  const first = new Map<string, number>();
  normalized.forEach((name, index) => {
    const earlier = first.get(name);
    if (earlier === undefined) return void first.set(name, index);
    const encodings = given[earlier].trim() !== given[index].trim();
    throw new OffgridError('VALIDATION', `${what} must be unique; ${echo(name)} is given twice${encodings ? ` (two Unicode encodings of the same text count as one ${noun})` : ''}.`);
  });
}

/**
 * preValidation hook of the routes that take ?label=: a bad label is refused in parseLabel's words, before the
 * schema's terser pattern message.
 */
export async function checkLabelQuery(request: FastifyRequest): Promise<void> {
  const { label } = request.query as { label?: unknown };
  if (label !== undefined) parseLabel(label, 'The label');
}

function kindOf(value: unknown): string {
  if (value === null || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Characters as JSON Schema counts them (code points), without copying a long string into an array. */
function codePoints(text: string): number {
  let lowSurrogates = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xdc00 && unit <= 0xdfff) lowSurrogates++;
  }
  return text.length - lowSurrogates;
}
