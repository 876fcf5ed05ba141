// A CSV import that stays on the phone (privacy-mode projects): the same file the server would take (a header
// with `label` and the project's feature columns, any order; one row per example) read here, row by row, into
// `{"features": [...]}` samples, with the rows that cannot be used named by line like the server does.
import { splitCsvLine } from '@offgrid/features';
import type { CsvRowResult } from './csv-results.ts';

export interface CsvRow {
  line: number;
  label: string;
  features: number[];
}

/** Rows to keep, and one result per data row (for `summarizeCsvResults`; kept rows are `ok` once saved). */
export function readCsvRows(text: string, featureNames: readonly string[], labels: readonly string[]): { rows: CsvRow[]; rejected: CsvRowResult[] } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '').map((cell) => cell.toLowerCase());
  const labelColumn = header.indexOf('label');
  if (labelColumn < 0) throw new Error('The CSV has no “label” column in its header line.');
  const columns = featureNames.map((name) => header.indexOf(name.toLowerCase()));
  const missing = featureNames.filter((_, i) => columns[i] < 0);
  if (missing.length > 0) throw new Error(`The CSV header lacks the feature column${missing.length === 1 ? '' : 's'} ${missing.join(', ')}.`);
  const rows: CsvRow[] = [];
  const rejected: CsvRowResult[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const line = i + 1;
    const cells = splitCsvLine(lines[i]);
    const label = cells[labelColumn] ?? '';
    if (!labels.includes(label)) {
      rejected.push({ ok: false, line, error: `unknown label “${label}” (the project has ${labels.join(', ')})` });
      continue;
    }
    const features = columns.map((column) => Number(cells[column]));
    const bad = features.findIndex((value, k) => !Number.isFinite(value) || (cells[columns[k]] ?? '').trim() === '');
    if (bad >= 0) {
      rejected.push({ ok: false, line, error: `${featureNames[bad]} is not a number (“${cells[columns[bad]] ?? ''}”)` });
      continue;
    }
    rows.push({ line, label, features });
  }
  return { rows, rejected };
}
