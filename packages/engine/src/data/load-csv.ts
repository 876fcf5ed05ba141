import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { fitStandardScaler, scaleFeatures, splitCsvLine } from '@offgrid/features';
import type { LoadedDataset, LoadOptions, ModalitySpecs } from './dataset.ts';
import { textDataset } from './load-text.ts';

/**
 * A CSV file with a `label` column and either a `text` column (one text sample per row) or numeric
 * feature columns, standardized per column. Cells may be quoted; a cell may not span lines.
 */
export async function loadCsv(path: string, specs: ModalitySpecs = {}, { minLabels = 2 }: LoadOptions = {}): Promise<LoadedDataset> {
  const name = basename(path);
  const lines = (await readFile(path, 'utf8')).split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '');
  const labelColumn = header.findIndex((column) => column.toLowerCase() === 'label');
  if (labelColumn < 0) throw new Error(`${name} needs a column named "label"; its columns are: ${header.join(', ')}.`);
  const rows: { cells: string[]; line: number }[] = [];
  const skipped: LoadedDataset['skipped'] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const cells = splitCsvLine(lines[i]);
    if (cells.length !== header.length) skipped.push({ source: `${name}:${i + 1}`, reason: `has ${cells.length} cells, the header has ${header.length}` });
    else rows.push({ cells, line: i + 1 });
  }
  const textColumn = header.findIndex((column) => column.toLowerCase() === 'text');
  if (textColumn >= 0) {
    const texts = rows.map(({ cells, line }) => ({ text: cells[textColumn], label: cells[labelColumn], source: `${name}:${line}` }));
    return textDataset(texts, name, specs.text, skipped, minLabels);
  }
  return numericDataset(rows, header, labelColumn, name, skipped, minLabels);
}

function numericDataset(rows: { cells: string[]; line: number }[], header: string[], labelColumn: number, name: string, skipped: LoadedDataset['skipped'], minLabels: number): LoadedDataset {
  const featureNames = header.filter((_, i) => i !== labelColumn);
  if (featureNames.length === 0) throw new Error(`${name} has no feature columns besides "label".`);
  const usable: { values: number[]; label: string; line: number }[] = [];
  for (const { cells, line } of rows) {
    const values = cells.filter((_, c) => c !== labelColumn).map(Number);
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) skipped.push({ source: `${name}:${line}`, reason: `column "${featureNames[bad]}" is not a number` });
    else usable.push({ values, label: cells[labelColumn].trim(), line });
  }
  skipped.sort((a, b) => Number(a.source.slice(name.length + 1)) - Number(b.source.slice(name.length + 1)));
  const labels = [...new Set(usable.map((r) => r.label))].sort((a, b) => a.localeCompare(b));
  if (labels.length < minLabels) throw new Error(`${name} needs at least ${minLabels === 1 ? 'one label' : 'two distinct labels'}; found ${labels.length}.`);
  const scaler = fitStandardScaler(usable.map((r) => r.values));
  const f = featureNames.length;
  const x = new Float32Array(usable.length * f);
  usable.forEach((row, r) => x.set(scaleFeatures(row.values, scaler), r * f));
  return {
    kind: 'tabular', labels, shape: [f], x, targets: Int32Array.from(usable.map((r) => labels.indexOf(r.label))),
    sources: usable.map((r) => `${name}:${r.line}`), featureNames, featureScaling: scaler, skipped,
  };
}
