/**
 * One registry of error codes: every refusal the API gives has a stable code and a message that says the fix.
 * Clients (the SDK, the app) switch on `code`, people read `message`. Like @fastify/error's `createError(code,
 * message, statusCode)`, each entry pairs a code with its status; `description` says when it is given (the SDK's
 * `ErrorCodes` is generated from this table, and docs/api.md lists the same codes: errors.test.ts checks both).
 */
export const ERRORS = {
  VALIDATION: { status: 400, code: 'OFFGRID_ERR_VALIDATION', description: 'The body, query or path does not fit the API; the message names the field and the fix.' },
  CHECKSUM_MISMATCH: { status: 400, code: 'OFFGRID_ERR_CHECKSUM_MISMATCH', description: 'An upload\'s `X-Checksum-Sha256` (or multipart `checksums`, or an archive file\'s sha256) did not match what arrived; nothing was stored.' },
  BAD_IMAGE: { status: 400, code: 'OFFGRID_ERR_BAD_IMAGE', description: 'An image sample is not a readable JPEG, PNG or WebP, or is outside the size limits.' },
  BAD_AUDIO: { status: 400, code: 'OFFGRID_ERR_BAD_AUDIO', description: 'An audio sample is not a readable WAV clip, or its rate, channels or length are outside the limits.' },
  BAD_MOTION: { status: 400, code: 'OFFGRID_ERR_BAD_MOTION', description: 'A motion recording is not valid `offgrid.motion.v1` JSON, or lacks the channels or the length the model takes.' },
  BAD_TEXT: { status: 400, code: 'OFFGRID_ERR_BAD_TEXT', description: 'A text sample (or CSV row) is not UTF-8, is blank, or is too long.' },
  BAD_ROW: { status: 400, code: 'OFFGRID_ERR_BAD_ROW', description: 'A tabular row (JSON or a CSV line) does not have one finite number per feature column.' },
  UNKNOWN_LABEL: { status: 400, code: 'OFFGRID_ERR_UNKNOWN_LABEL', description: 'The label is not one of the project\'s labels.' },
  NOT_ENOUGH_DATA: { status: 400, code: 'OFFGRID_ERR_NOT_ENOUGH_DATA', description: 'Training needs more samples of some label.' },
  UNAUTHORIZED: { status: 401, code: 'OFFGRID_ERR_UNAUTHORIZED', description: 'No API key, an unknown or revoked one, or a pairing link that is unknown, used or expired.' },
  FORBIDDEN: { status: 403, code: 'OFFGRID_ERR_FORBIDDEN', description: 'The key may not do this (a device key on an admin route or another project), or the origin may not call the API.' },
  NOT_FOUND: { status: 404, code: 'OFFGRID_ERR_NOT_FOUND', description: 'No such route, project, sample, job, model, file or key.' },
  CONFLICT: { status: 409, code: 'OFFGRID_ERR_CONFLICT', description: 'It conflicts with what is stored: e.g. deleting the active model version, revoking the last admin key.' },
  TOO_LARGE: { status: 413, code: 'OFFGRID_ERR_TOO_LARGE', description: 'A body past its cap (after decompression); nothing was stored.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, code: 'OFFGRID_ERR_UNSUPPORTED_MEDIA_TYPE', description: 'Wrong Content-Type, or a Content-Encoding other than gzip.' },
  RANGE_NOT_SATISFIABLE: { status: 416, code: 'OFFGRID_ERR_RANGE_NOT_SATISFIABLE', description: 'A download\'s Range starts past the end of the file.' },
  UPGRADE_REQUIRED: { status: 426, code: 'OFFGRID_ERR_UPGRADE_REQUIRED', description: 'A plain GET on the job WebSocket: connect with `Upgrade: websocket`.' },
  RATE_LIMITED: { status: 429, code: 'OFFGRID_ERR_RATE_LIMITED', description: 'Too many requests or training jobs; `Retry-After` says when to try again.' },
  REQUEST: { status: 400, code: 'OFFGRID_ERR_REQUEST', description: 'The HTTP layer refused the request for a reason with no code of its own (e.g. a malformed URL); the 4xx status says which.' },
  INTERNAL: { status: 500, code: 'OFFGRID_ERR_INTERNAL', description: 'A bug on the server; details are in its log.' },
  NOT_READY: { status: 503, code: 'OFFGRID_ERR_NOT_READY', description: '`GET /ready`: the database or blob folder refuses writes.' },
  INSUFFICIENT_STORAGE: { status: 507, code: 'OFFGRID_ERR_INSUFFICIENT_STORAGE', description: 'The server\'s disk is full; nothing was stored, the same request works once its operator frees space.' },
} as const;

export type ErrorKind = keyof typeof ERRORS;
/** A code as clients receive it: `OFFGRID_ERR_NOT_FOUND`. */
export type ErrorCode = (typeof ERRORS)[ErrorKind]['code'];

export class OffgridError extends Error {
  readonly kind: ErrorKind;
  readonly status: number;
  readonly code: ErrorCode;
  /** Extra response headers (Retry-After, Content-Range). */
  readonly headers: Record<string, string>;
  constructor(kind: ErrorKind, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.headers = headers;
    this.name = 'OffgridError';
    this.kind = kind;
    this.status = ERRORS[kind].status;
    this.code = ERRORS[kind].code;
  }

  /** The body clients receive. */
  toBody(): ErrorBody {
    return errorBody(this.kind, this.message);
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/** The one way an error body is built: the kind is checked against the registry, so no code is made up on the spot. */
export function errorBody(kind: ErrorKind, message: string): ErrorBody {
  return { error: { code: ERRORS[kind].code, message } };
}

/**
 * The kind for an error that came with only an HTTP status (from Fastify or a plugin): the registry's one code for
 * that status (413 is TOO_LARGE wherever it comes from), else REQUEST (a 400 could be any of several).
 */
export function kindOfStatus(status: number): ErrorKind {
  const kinds = (Object.keys(ERRORS) as ErrorKind[]).filter((kind) => ERRORS[kind].status === status);
  return kinds.length === 1 ? kinds[0] : 'REQUEST';
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
