// The numbers behind the confusion-matrix heat map (no DOM): each cell's count and its share of the actual
// class, so a rare class's mistakes show as strongly as a common one's.
export interface ConfusionCell {
  actual: number;
  predicted: number;
  count: number;
  /** count / samples of the actual class (0 for an empty row). */
  rowShare: number;
}

export interface ConfusionGrid {
  labels: string[];
  cells: ConfusionCell[][];
  /** Samples per actual class. */
  rowTotals: number[];
  total: number;
}

/** `confusion[actual][predicted]`, as the report stores it; refuses a matrix that does not fit the labels. */
export function confusionGrid(labels: string[], confusion: number[][]): ConfusionGrid {
  if (confusion.length !== labels.length) {
    throw new Error(`The confusion matrix has ${confusion.length} rows for ${labels.length} labels.`);
  }
  const rowTotals = confusion.map((row, actual) => {
    if (row.length !== labels.length) throw new Error(`Row "${labels[actual]}" of the confusion matrix has ${row.length} columns for ${labels.length} labels.`);
    if (row.some((count) => !Number.isInteger(count) || count < 0)) throw new Error(`Row "${labels[actual]}" of the confusion matrix has a count that is not a whole number ≥ 0.`);
    return row.reduce((sum, count) => sum + count, 0);
  });
  const cells = confusion.map((row, actual) =>
    row.map((count, predicted) => ({ actual, predicted, count, rowShare: rowTotals[actual] ? count / rowTotals[actual] : 0 })),
  );
  return { labels, cells, rowTotals, total: rowTotals.reduce((sum, n) => sum + n, 0) };
}

/** Heat-map colour: green on the diagonal (right), red elsewhere (mistakes), stronger with the row share. */
export function cellColor(cell: ConfusionCell): string {
  if (cell.count === 0) return 'transparent';
  const alpha = (0.15 + 0.85 * cell.rowShare).toFixed(2);
  return cell.actual === cell.predicted ? `rgba(21, 128, 61, ${alpha})` : `rgba(220, 38, 38, ${alpha})`;
}
