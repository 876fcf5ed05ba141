// The committed wire types must be what the server's route schemas generate today.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { API_TYPES_PATH, generateApiTypes } from '../../../../scripts/generate-sdk-types.ts';

describe('generated/api-types.ts', () => {
  it('matches the server schemas (else run npm run generate:sdk)', async () => {
    const fresh = await generateApiTypes();
    const committed = readFileSync(API_TYPES_PATH, 'utf8');
    if (fresh === committed) return;
    const freshLines = fresh.split('\n');
    const committedLines = committed.split('\n');
    const line = freshLines.findIndex((text, index) => text !== committedLines[index]);
    assert.fail(
      `packages/sdk/src/generated/api-types.ts is stale: the server's route schemas changed. Run npm run generate:sdk and commit the result.\n` +
        `First difference at line ${line + 1}:\n  committed: ${committedLines[line] ?? '(end of file)'}\n  generated: ${freshLines[line] ?? '(end of file)'}`,
    );
  });

  it('is deterministic: a second run gives the same text', async () => {
    assert.equal(await generateApiTypes(), await generateApiTypes());
  });
});
