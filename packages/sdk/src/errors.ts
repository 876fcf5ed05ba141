import type { ErrorBody } from './types.ts';

/** An error answered by the Offgrid server (or a failure to reach it: status 0). */
export class OffgridApiError extends Error {
  override readonly name = 'OffgridApiError';
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
    this.code = code;
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
  try {
    const body: unknown = JSON.parse(text);
    if (isErrorBody(body)) return new OffgridApiError(response.status, body.error.code, body.error.message);
  } catch {
    // Not JSON: fall through to a generic error that still shows what came back.
  }
  const snippet = text.trim().slice(0, 200);
  const detail = snippet ? `: ${snippet}` : '';
  return new OffgridApiError(
    response.status,
    UNEXPECTED_RESPONSE_CODE,
    `HTTP ${response.status} ${response.statusText}${detail}`.trim(),
  );
}

/** Wraps a failed `fetch` (DNS, TLS, refused connection) so callers see one error type. */
export function networkError(url: string, cause: unknown): OffgridApiError {
  const reason = cause instanceof Error ? cause.message : String(cause);
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
