import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decidingVerdict, MIN_SERVER_HOLDOUT, type Verdict } from './rounds.ts';

const server = (samples: number): Verdict => ({ on: 'server', accuracy: 0.7, baseAccuracy: 0.7, samples });
const phones: Verdict = { on: 'phones', accuracy: 0.9, baseAccuracy: 0.8, samples: 31 };

test('the server\'s held-out set decides when it is big enough; a tiny one gives way to the phones\' ratings', () => {
  assert.equal(decidingVerdict(server(MIN_SERVER_HOLDOUT), phones)?.on, 'server', 'data no phone can misreport comes first');
  assert.equal(decidingVerdict(server(3), phones)?.on, 'phones', 'three samples cannot tell two heads apart');
  assert.equal(decidingVerdict(server(3), undefined)?.on, 'server', 'with no rating, the small set is all there is');
  assert.equal(decidingVerdict(undefined, phones)?.on, 'phones');
  assert.equal(decidingVerdict(undefined, undefined), undefined);
});
