import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERRORS } from '@offgrid/server';
import { ErrorCodes, NETWORK_ERROR_CODE, UNEXPECTED_RESPONSE_CODE } from './errors.ts';

describe('ErrorCodes', () => {
  it("are the server's registry, by the same names, plus the SDK's own two", () => {
    const server = Object.fromEntries(Object.entries(ERRORS).map(([kind, { code }]) => [kind, code]));
    assert.deepEqual(ErrorCodes, { ...server, NETWORK: NETWORK_ERROR_CODE, UNEXPECTED_RESPONSE: UNEXPECTED_RESPONSE_CODE });
  });
});
