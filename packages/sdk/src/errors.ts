import { ServerErrorCodes } from './generated/error-codes.ts';
import type { ErrorBody } from './types.ts';

/** An error answered by the Offgrid server (or a failure to reach it: status 0). */
export class OffgridApiError extends Error {
  override readonly name = 'OffgridApiError';
  readonly status: number;
  readonly code: string;
  /** From a `Retry-After` header (429, 503): how long the server asks us to wait. */
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, code: string, message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, options);
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }

  /** Worth retrying later as it is: the server was unreachable, busy, rate limiting or failing. */
  get transient(): boolean {
    return this.status === 0 || this.status === 408 || this.status === 425 || this.status === 429 || this.status >= 500;
  }
}

/** The downloaded bytes do not hash to the checksum the server announced. */
export class OffgridChecksumError extends Error {
  override readonly name = 'OffgridChecksumError';
  readonly expected: string;
  readonly actual: string;

  constructor(expected: string, actual: string) {
    super(`Model download is corrupt: sha256 ${actual} does not match X-Checksum-Sha256 ${expected}. Download it again.`);
    this.expected = expected;
    this.actual = actual;
  }
}

export const NETWORK_ERROR_CODE = 'OFFGRID_ERR_NETWORK';
export const UNEXPECTED_RESPONSE_CODE = 'OFFGRID_ERR_UNEXPECTED_RESPONSE';

/**
 * Every `code` an `OffgridApiError` can carry: the server's registry (generated from packages/server/src/errors.ts)
 * plus the two the SDK makes up (unreachable server, non-Offgrid answer). Switch on these, show `message` to people.
 */
export const ErrorCodes = {
  ...ServerErrorCodes,
  /** Status 0: the server could not be reached (DNS, TLS, refused connection); the message says why. */
  NETWORK: NETWORK_ERROR_CODE,
  /** The answer was not an Offgrid error body (a proxy, another server); the message shows what came back. */
  UNEXPECTED_RESPONSE: UNEXPECTED_RESPONSE_CODE,
} as const;

export type OffgridErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = (value as { error: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}

/** Builds the error for a non-2xx response from its `{ error: { code, message } }` body. */
export async function errorFromResponse(response: Response): Promise<OffgridApiError> {
  const text = await response.text().catch(() => '');
  const retryAfterSeconds = parseRetryAfter(response.headers.get('Retry-After'));
  const options = retryAfterSeconds === undefined ? undefined : { retryAfterSeconds };
  try {
    const body: unknown = JSON.parse(text);
    if (isErrorBody(body)) return new OffgridApiError(response.status, body.error.code, body.error.message, options);
  } catch {
    // Not JSON: fall through to a generic error that still shows what came back.
  }
  const snippet = text.trim().slice(0, 200);
  const detail = snippet ? `: ${snippet}` : '';
  return new OffgridApiError(
    response.status,
    UNEXPECTED_RESPONSE_CODE,
    `HTTP ${response.status} ${response.statusText}${detail}`.trim(),
    options,
  );
}

/** `Retry-After` as seconds (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.round((date - now) / 1000));
}

/** Wraps a failed `fetch` (DNS, TLS, refused connection) so callers see one error type. */
export function networkError(url: string, cause: unknown): OffgridApiError {
  // fetch says only "fetch failed"; the reason (refused, TLS certificate, DNS) is in its cause chain.
  const reasons: string[] = [];
  for (let current: unknown = cause; current !== undefined && reasons.length < 4; current = (current as { cause?: unknown }).cause) {
    reasons.push(current instanceof Error ? current.message : String(current));
    if (!(current instanceof Error)) break;
  }
  const reason = reasons.join(': ');
  return new OffgridApiError(
    0,
    NETWORK_ERROR_CODE,
    `Cannot reach the Offgrid server at ${url} (${reason}). Is \`offgrid serve\` running and is this device on the same network?`,
    { cause },
  );
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}
