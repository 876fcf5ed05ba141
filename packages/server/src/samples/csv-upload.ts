import { splitCsvLine } from '@offgrid/features';
import { echoList, OffgridError } from '../errors.ts';
import { normalizeLabel } from '../projects/labels.ts';
import type { Project } from '../projects/project-store.ts';
import type { InspectedSample } from './inspect-sample.ts';
import { checkRow, tabularRowBytes } from './inspect-tabular.ts';
import { checkText, decodeUtf8 } from './inspect-text.ts';
import { CSV_LIMITS } from './upload-formats.ts';

/** One data row of a CSV upload: where it starts (1-based line, the header is line 1) and either a sample or why not. */
export type CsvRow = { line: number; label: string; sample: InspectedSample } | { line: number; label?: string; error: OffgridError };

/**
 * Splits CSV text into records with the line each starts on. A quoted cell may span lines (texts with
 * newlines): physical lines are joined while a record has an odd number of quotes, then split by the
 * shared splitCsvLine.
 */
export function csvRecords(text: string): { line: number; cells: string[] }[] {
  const records: { line: number; cells: string[] }[] = [];
  let pending: { line: number; text: string } | undefined;
  text.split(/\r?\n/).forEach((physical, index) => {
    pending = pending ? { line: pending.line, text: `${pending.text}\n${physical}` } : { line: index + 1, text: physical };
    if ((pending.text.match(/"/g)?.length ?? 0) % 2 === 1) return;
    if (pending.text.trim() !== '') records.push({ line: pending.line, cells: splitCsvLine(pending.text) });
    pending = undefined;
  });
  if (pending) records.push({ line: pending.line, cells: splitCsvLine(pending.text) });
  return records;
}

/**
 * A CSV upload for a tabular project (`label` + every feature column, by name, in any order) or a text
 * project (`text` + `label`; other columns are ignored) → one validated sample or error per row. A header
 * that does not fit the project refuses the whole upload (400): every row would fail the same way.
 */
export function csvSamples(project: Project, bytes: Uint8Array): CsvRow[] {
  const invalid = (message: string) => new OffgridError('VALIDATION', message);
  const [header, ...rows] = csvRecords(decodeUtf8(bytes, 'The CSV file'));
  if (!header) throw invalid('The CSV file is empty; send a header line and one row per sample.');
  if (rows.length > CSV_LIMITS.maxRows) throw new OffgridError('TOO_LARGE', `The CSV file has ${rows.length} rows; at most ${CSV_LIMITS.maxRows} per upload. Split it into several uploads.`);
  // Column names match the project's feature names in any case and Unicode normalization.
  const columnKey = (name: string) => normalizeLabel(name).toLowerCase();
  const names = header.cells.map(columnKey);
  const labelColumn = names.indexOf('label');
  if (labelColumn < 0) throw invalid(`The CSV header needs a "label" column; its columns are: ${echoList(header.cells)}.`);
  const withLabel = (line: number, cells: string[], make: () => InspectedSample): CsvRow => {
    const label = cells[labelColumn];
    try {
      if (cells.length !== header.cells.length) throw new OffgridError('BAD_ROW', `The row has ${cells.length} cells; the header has ${header.cells.length}.`);
      return { line, label, sample: make() };
    } catch (error) {
      if (!(error instanceof OffgridError)) throw error;
      return { line, ...(label !== undefined ? { label } : {}), error: new OffgridError(error.kind === 'BAD_TEXT' ? 'BAD_TEXT' : 'BAD_ROW', `Line ${line}: ${error.message}`) };
    }
  };
  if (project.modality === 'text') {
    const textColumn = names.indexOf('text');
    if (textColumn < 0) throw invalid(`The CSV header needs a "text" column next to "label"; its columns are: ${echoList(header.cells)}.`);
    return rows.map(({ line, cells }) => withLabel(line, cells, () => {
      const { text, characters } = checkText(cells[textColumn]);
      return { bytes: new TextEncoder().encode(text), mediaType: 'text/plain; charset=utf-8', meta: { characters } };
    }));
  }
  if (project.modality !== 'tabular') throw new OffgridError('UNSUPPORTED_MEDIA_TYPE', `CSV uploads are for tabular and text projects; this one is ${project.modality}. Upload its samples one at a time, or as multipart/form-data.`);
  const featureNames = project.featureNames ?? [];
  const columns = featureNames.map((name) => names.indexOf(columnKey(name)));
  const missing = featureNames.filter((_, i) => columns[i] < 0);
  if (missing.length > 0) throw invalid(`The CSV header lacks the feature column(s) ${missing.join(', ')}; this project's columns are label, ${featureNames.join(', ')}.`);
  const extra = header.cells.filter((_, i) => i !== labelColumn && !columns.includes(i));
  if (extra.length > 0) throw invalid(`The CSV has column(s) ${echoList(extra)} that are not features of this project (${featureNames.join(', ')}); remove them.`);
  return rows.map(({ line, cells }) => withLabel(line, cells, () => (
    { bytes: tabularRowBytes(checkRow(columns.map((c) => cells[c]), featureNames)), mediaType: 'application/json', meta: {} }
  )));
}
