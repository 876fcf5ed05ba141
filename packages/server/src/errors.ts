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
