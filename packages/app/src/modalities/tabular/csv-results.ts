// What a CSV import did, row by row, from the server's answer to a `text/csv` upload: each data row is stored
// (new or a duplicate of a stored one) or rejected with the server's reason and its line number.

/** One row's result as the server sends it (`results[]` of `POST /projects/:id/samples` with text/csv). */
export interface CsvRowResult {
  ok?: boolean;
  line?: number;
  label?: string;
  duplicate?: boolean;
  error?: { code?: string; message?: string } | string;
}

export interface CsvImportSummary {
  stored: number;
  duplicates: number;
  /** Stored rows (new ones) per label, to add to the label counts. */
  storedByLabel: Record<string, number>;
  rejected: { line: number | undefined; reason: string }[];
}

export function summarizeCsvResults(results: readonly CsvRowResult[]): CsvImportSummary {
  const summary: CsvImportSummary = { stored: 0, duplicates: 0, storedByLabel: {}, rejected: [] };
  for (const result of results) {
    if (result.ok) {
      if (result.duplicate) summary.duplicates++;
      else {
        summary.stored++;
        if (result.label !== undefined) summary.storedByLabel[result.label] = (summary.storedByLabel[result.label] ?? 0) + 1;
      }
      continue;
    }
    const reason = typeof result.error === 'string' ? result.error : (result.error?.message ?? result.error?.code ?? 'refused by the server');
    summary.rejected.push({ line: result.line, reason });
  }
  return summary;
}

/** One line for the user: "Stored 41 rows (2 already there). Rejected 1: line 7: …". */
export function describeCsvImport(summary: CsvImportSummary): string {
  const parts = [`Stored ${summary.stored} row${summary.stored === 1 ? '' : 's'}`];
  if (summary.duplicates > 0) parts[0] += ` (${summary.duplicates} already there)`;
  parts[0] += '.';
  if (summary.rejected.length > 0) parts.push(`Rejected ${summary.rejected.length}.`);
  return parts.join(' ');
}
