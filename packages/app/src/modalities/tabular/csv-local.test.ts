import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCsvRows } from './csv-local.ts';
import { summarizeCsvResults } from './csv-results.ts';

test('reads rows by header name, any column order; bad rows are named by line', () => {
  const csv = '\uFEFFrpm,Label,temp\r\n1200,ok,21.5\n\n900,broken,30\n1000,unknown,1\n,ok,2\n800,ok,x\n';
  const { rows, rejected } = readCsvRows(csv, ['temp', 'rpm'], ['ok', 'broken']);
  assert.deepEqual(rows, [{ line: 2, label: 'ok', features: [21.5, 1200] }, { line: 4, label: 'broken', features: [30, 900] }]);
  const summary = summarizeCsvResults([...rows.map((row) => ({ ok: true, line: row.line, label: row.label })), ...rejected]);
  assert.deepEqual(summary.storedByLabel, { ok: 1, broken: 1 });
  assert.deepEqual(summary.rejected.map((r) => r.line), [5, 6, 7]);
  assert.match(summary.rejected[0].reason, /unknown label “unknown”/);
  assert.match(summary.rejected[1].reason, /rpm is not a number/);
});

test('a header without the label or a feature column is refused with what is missing', () => {
  assert.throws(() => readCsvRows('temp,rpm\n1,2', ['temp', 'rpm'], ['a']), /no “label” column/);
  assert.throws(() => readCsvRows('label,temp\na,2', ['temp', 'rpm', 'load'], ['a']), /lacks the feature columns rpm, load/);
});
