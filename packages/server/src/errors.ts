/**
 * One registry of error codes: every refusal the API gives has a stable code and a message that says the fix.
 * Clients (the SDK, the app) switch on `code`, people read `message`.
 */
export const ERRORS = {
  VALIDATION: { status: 400, code: 'OFFGRID_ERR_VALIDATION' },
  CHECKSUM_MISMATCH: { status: 400, code: 'OFFGRID_ERR_CHECKSUM_MISMATCH' },
  BAD_IMAGE: { status: 400, code: 'OFFGRID_ERR_BAD_IMAGE' },
  BAD_AUDIO: { status: 400, code: 'OFFGRID_ERR_BAD_AUDIO' },
  BAD_MOTION: { status: 400, code: 'OFFGRID_ERR_BAD_MOTION' },
  BAD_TEXT: { status: 400, code: 'OFFGRID_ERR_BAD_TEXT' },
  BAD_ROW: { status: 400, code: 'OFFGRID_ERR_BAD_ROW' },
  UNKNOWN_LABEL: { status: 400, code: 'OFFGRID_ERR_UNKNOWN_LABEL' },
  NOT_ENOUGH_DATA: { status: 400, code: 'OFFGRID_ERR_NOT_ENOUGH_DATA' },
  UNAUTHORIZED: { status: 401, code: 'OFFGRID_ERR_UNAUTHORIZED' },
  FORBIDDEN: { status: 403, code: 'OFFGRID_ERR_FORBIDDEN' },
  NOT_FOUND: { status: 404, code: 'OFFGRID_ERR_NOT_FOUND' },
  CONFLICT: { status: 409, code: 'OFFGRID_ERR_CONFLICT' },
  TOO_LARGE: { status: 413, code: 'OFFGRID_ERR_TOO_LARGE' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, code: 'OFFGRID_ERR_UNSUPPORTED_MEDIA_TYPE' },
  RANGE_NOT_SATISFIABLE: { status: 416, code: 'OFFGRID_ERR_RANGE_NOT_SATISFIABLE' },
  UPGRADE_REQUIRED: { status: 426, code: 'OFFGRID_ERR_UPGRADE_REQUIRED' },
  RATE_LIMITED: { status: 429, code: 'OFFGRID_ERR_RATE_LIMITED' },
  INTERNAL: { status: 500, code: 'OFFGRID_ERR_INTERNAL' },
  NOT_READY: { status: 503, code: 'OFFGRID_ERR_NOT_READY' },
  INSUFFICIENT_STORAGE: { status: 507, code: 'OFFGRID_ERR_INSUFFICIENT_STORAGE' },
} as const;

export type ErrorKind = keyof typeof ERRORS;

export class OffgridError extends Error {
  readonly status: number;
  readonly code: string;
  /** Extra response headers (Retry-After, Content-Range). */
  readonly headers: Record<string, string>;
  constructor(kind: ErrorKind, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.headers = headers;
    this.name = 'OffgridError';
    this.status = ERRORS[kind].status;
    this.code = ERRORS[kind].code;
  }
}

export interface ErrorBody {
  error: { code: string; message: string };
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

/** The most characters of a client's value an error message repeats: a 15 MiB CSV cell is not sent back. */
export const MAX_ECHO_CHARACTERS = 80;

/** A client's text as a message repeats it: at most MAX_ECHO_CHARACTERS characters, "…" marking a cut. */
export function shorten(text: string, max = MAX_ECHO_CHARACTERS): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  // Whole characters only: a cut inside a surrogate pair would leave half an emoji.
  return `${/[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut}…`;
}

/** Control characters JSON.stringify leaves as they are (DEL, C1, line and paragraph separators): escaped so a message shows them. */
const UNESCAPED_CONTROLS = /[\u007f-\u009f\u2028\u2029]/g;

/**
 * A client's value as a message shows it: JSON ("cat", 12, null), shortened, with every control character
 * escaped (\n, \u0000), so a person sees what was sent and nothing can break the message's line.
 */
export function echo(value: unknown): string {
  const json = typeof value === 'string' ? JSON.stringify(shorten(value)) : shorten(JSON.stringify(value) ?? String(value));
  return json.replace(UNESCAPED_CONTROLS, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A list of a client's names for a message: each shortened, at most `max` of them, then how many more. */
export function echoList(names: readonly string[], max = 10): string {
  const shown = names.slice(0, max).map((name) => shorten(name)).join(', ');
  return names.length > max ? `${shown}, … (${names.length - max} more)` : shown;
}
