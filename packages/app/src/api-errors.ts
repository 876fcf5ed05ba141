import { OffgridApiError } from '@offgrid/sdk';
import { errorMessage } from './dom.ts';

/** An error sentence for the screen, with the fix when we know it. */
export function describeApiError(error: unknown): string {
  if (error instanceof OffgridApiError && (error.status === 401 || error.status === 403)) {
    return `This device is not allowed (${error.message}). Open a new pairing link from \`offgrid serve\`.`;
  }
  return errorMessage(error);
}
