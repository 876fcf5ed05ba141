// The committed generated files must be what the server's route schemas and error registry generate today.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { API_TYPES_PATH, ERROR_CODES_PATH, generateApiTypes, generateErrorCodes } from '../../../../scripts/generate-sdk-types.ts';

function assertFresh(path: string, fresh: string, source: string): void {
  const committed = readFileSync(path, 'utf8');
  if (fresh === committed) return;
  const freshLines = fresh.split('\n');
  const committedLines = committed.split('\n');
  const line = freshLines.findIndex((text, index) => text !== committedLines[index]);
  assert.fail(
    `${path} is stale: ${source} changed. Run npm run generate:sdk and commit the result.\n` +
      `First difference at line ${line + 1}:\n  committed: ${committedLines[line] ?? '(end of file)'}\n  generated: ${freshLines[line] ?? '(end of file)'}`,
  );
}

describe('generated/api-types.ts', () => {
  it('matches the server schemas (else run npm run generate:sdk)', async () => {
    assertFresh(API_TYPES_PATH, await generateApiTypes(), "the server's route schemas");
  });

  it('is deterministic: a second run gives the same text', async () => {
    assert.equal(await generateApiTypes(), await generateApiTypes());
  });
});

describe('generated/error-codes.ts', () => {
  it("matches the server's error registry (else run npm run generate:sdk)", () => {
    assertFresh(ERROR_CODES_PATH, generateErrorCodes(), "the server's error registry (packages/server/src/errors.ts)");
  });
});
