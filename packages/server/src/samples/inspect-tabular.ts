import { echo, OffgridError } from '../errors.ts';
import { decodeUtf8 } from './inspect-text.ts';

/**
 * One row's bytes as stored: canonical JSON, so the same values dedupe whether they came as JSON (any
 * spacing) or as a CSV row.
 */
export function tabularRowBytes(features: readonly number[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ features }));
}

/** A number written in decimal, as JSON and CSV files from spreadsheets write them: 12, -1.5, .5, 2., 1e-3. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Checks one row of values against the project's columns; `cells` may be strings (CSV) or JSON values. A string
 * is a number only when written in decimal: Number() would also read "0x10", "0b101" and "0o7".
 */
export function checkRow(cells: readonly unknown[], featureNames: readonly string[]): number[] {
  if (cells.length !== featureNames.length) {
    throw new OffgridError('BAD_ROW', `The row has ${cells.length} value(s); this project has ${featureNames.length} feature column(s): ${featureNames.join(', ')}.`);
  }
  return cells.map((cell, i) => {
    const value = typeof cell === 'string' && cell.trim() !== '' ? Number(cell) : cell;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new OffgridError('BAD_ROW', `Column "${featureNames[i]}" is ${echo(cell)}, not a finite number.`);
    }
    if (typeof cell === 'string' && !DECIMAL.test(cell.trim())) {
      throw new OffgridError('BAD_ROW', `Column "${featureNames[i]}" is ${echo(cell)}: only decimal numbers like -1.5e3 are accepted; write it as ${value}.`);
    }
    return value;
  });
}

/** A `{"features": number[]}` upload → the canonical bytes to store. */
export function inspectTabular(bytes: Uint8Array, featureNames: readonly string[]): { stored: Uint8Array } {
  let json: unknown;
  try {
    json = JSON.parse(decodeUtf8(bytes, 'The row'));
  } catch (error) {
    if (error instanceof OffgridError) throw new OffgridError('BAD_ROW', error.message);
    throw new OffgridError('BAD_ROW', `The row is not valid JSON (${(error as Error).message}); send {"features": [${featureNames.map(() => 'number').join(', ')}]}.`);
  }
  const features = (json as { features?: unknown } | null)?.features;
  if (typeof json !== 'object' || json === null || Array.isArray(json) || !Array.isArray(features)) {
    throw new OffgridError('BAD_ROW', `A tabular row is a JSON object {"features": [...]} with ${featureNames.length} numbers (${featureNames.join(', ')}).`);
  }
  return { stored: tabularRowBytes(checkRow(features, featureNames)) };
}
