// The confusion matrix as a heat-map table: rows are the actual labels, columns the predicted ones, each cell
// its count, coloured by its share of the actual class (green: right, red: mistakes).
import { h } from '../dom.ts';
import { cellColor, confusionGrid } from './confusion.ts';

/** Labels this many or more are written vertically above the columns, so ten classes fit a 360 px screen. */
const VERTICAL_FROM = 4;

export function confusionMatrixView(labels: string[], confusion: number[][]): HTMLElement {
  const grid = confusionGrid(labels, confusion);
  const vertical = labels.length >= VERTICAL_FROM;
  const head = h(
    'tr',
    {},
    h('th', { class: 'corner', scope: 'col' }, h('span', {}, 'actual ↓'), h('span', {}, 'predicted →')),
    ...labels.map((label) => h('th', { scope: 'col', class: vertical ? 'col-label vertical' : 'col-label', title: label, testid: 'confusion-predicted-label' }, h('span', {}, label))),
  );
  const rows = grid.cells.map((row, actual) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row', class: 'row-label', title: `${labels[actual]}: ${grid.rowTotals[actual]} test samples`, testid: 'confusion-actual-label' }, labels[actual]),
      ...row.map((cell) =>
        h(
          'td',
          {
            class: cell.actual === cell.predicted ? 'diagonal' : undefined,
            style: `background:${cellColor(cell)}`,
            title: `actual ${labels[cell.actual]}, predicted ${labels[cell.predicted]}: ${cell.count}`,
            testid: 'confusion-cell',
            'data-actual': labels[cell.actual],
            'data-predicted': labels[cell.predicted],
            'data-count': cell.count,
          },
          String(cell.count),
        ),
      ),
    ),
  );
  return h(
    'div',
    { class: 'confusion-scroll' },
    h('table', { class: 'confusion', testid: 'confusion-matrix', 'data-total': grid.total, 'aria-label': 'Confusion matrix: rows actual label, columns predicted label' }, h('thead', {}, head), h('tbody', {}, ...rows)),
  );
}
