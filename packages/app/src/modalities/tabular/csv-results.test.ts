import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeCsvImport, summarizeCsvResults } from './csv-results.ts';

test('CSV results are counted per label, duplicates apart, rejections with line and reason', () => {
  const summary = summarizeCsvResults([
    { ok: true, line: 2, label: 'normal', duplicate: false },
    { ok: true, line: 3, label: 'fault', duplicate: false },
    { ok: true, line: 4, label: 'normal', duplicate: true },
    { ok: false, line: 5, label: 'normal', error: { code: 'OFFGRID_ERR_BAD_ROW', message: 'Line 5: "temp" is not a number: "hot"' } },
    { ok: false, line: 6, error: { code: 'OFFGRID_ERR_BAD_ROW' } },
    { ok: true, line: 7, label: 'normal' },
  ]);
  assert.equal(summary.stored, 3);
  assert.equal(summary.duplicates, 1);
  assert.deepEqual(summary.storedByLabel, { normal: 2, fault: 1 });
  assert.deepEqual(summary.rejected, [
    { line: 5, reason: 'Line 5: "temp" is not a number: "hot"' },
    { line: 6, reason: 'OFFGRID_ERR_BAD_ROW' },
  ]);
  assert.equal(describeCsvImport(summary), 'Stored 3 rows (1 already there). Rejected 2.');
  assert.equal(describeCsvImport(summarizeCsvResults([{ ok: true, label: 'a' }])), 'Stored 1 row.');
});
