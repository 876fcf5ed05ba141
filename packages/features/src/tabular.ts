/**
 * Tabular preprocessing shared by the server (CSV training sets) and the phone (rows typed in or imported):
 * CSV line splitting and per-column standardization.
 */

/** Per-column standardization, (x - mean) / std; stored with the model so the phone applies the same. */
export interface StandardScaler {
  mean: number[];
  std: number[];
}

/** Mean and population standard deviation of each column; a constant column gets std 1 (left centred, not divided by 0). */
export function fitStandardScaler(rows: ArrayLike<ArrayLike<number>>): StandardScaler {
  if (rows.length === 0) throw new Error('fitStandardScaler: no rows');
  const width = rows[0].length;
  const mean = new Array<number>(width).fill(0);
  const std = new Array<number>(width).fill(0);
  for (let r = 0; r < rows.length; r++) {
    if (rows[r].length !== width) throw new Error(`fitStandardScaler: row ${r} has ${rows[r].length} values, row 0 has ${width}`);
    for (let c = 0; c < width; c++) mean[c] += rows[r][c];
  }
  for (let c = 0; c < width; c++) mean[c] /= rows.length;
  for (let r = 0; r < rows.length; r++) for (let c = 0; c < width; c++) std[c] += (rows[r][c] - mean[c]) ** 2;
  for (let c = 0; c < width; c++) std[c] = Math.sqrt(std[c] / rows.length) || 1;
  return { mean, std };
}

/** One row standardized with a fitted scaler. */
export function scaleFeatures(row: ArrayLike<number>, scaler: StandardScaler): Float32Array {
  if (row.length !== scaler.mean.length) throw new Error(`scaleFeatures: the row has ${row.length} values, the scaler ${scaler.mean.length} columns`);
  const out = new Float32Array(row.length);
  for (let c = 0; c < row.length; c++) out[c] = (row[c] - scaler.mean[c]) / scaler.std[c];
  return out;
}

/** Splits one CSV line (RFC 4180 quotes, no embedded newlines); cells are trimmed. */
export function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cell += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { cells.push(cell); cell = ''; }
    else cell += ch;
  }
  cells.push(cell);
  return cells.map((c) => c.trim());
}
