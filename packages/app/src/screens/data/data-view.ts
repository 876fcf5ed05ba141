// The Data tab's elements: status lines, the queue note, label chips, the selection's actions, the undo line, the
// confirmation area and the grid. No state.
import { h } from '../../dom.ts';

export function dataView() {
  const selection = h('span', { testid: 'data-selection' });
  const deleteButton = h('button', { type: 'button', class: 'danger small', testid: 'data-delete-button' }, 'Delete');
  const moveTarget = h('select', { testid: 'data-move-select', 'aria-label': 'Move the selected samples to' });
  const moveButton = h('button', { type: 'button', class: 'secondary small', testid: 'data-move-button' }, 'Move');
  const purgeButton = h('button', { type: 'button', class: 'small', testid: 'data-purge-button' }, 'Erase everywhere…');
  return {
    /** What the last action did; the listing has its own line, so a refresh never hides it. */
    status: h('p', { class: 'status', testid: 'data-status', role: 'status' }),
    listStatus: h('p', { class: 'status', testid: 'data-list-status' }),
    queueNote: h('p', { class: 'status', testid: 'data-queue', role: 'status', hidden: true }),
    dismissFailed: h('button', { type: 'button', class: 'secondary small', testid: 'data-queue-dismiss', hidden: true }, 'Dismiss'),
    labelBar: h('div', { class: 'data-labels', role: 'tablist', testid: 'data-labels' }),
    grid: h('ul', { class: 'data-grid', testid: 'data-grid' }),
    more: h('button', { type: 'button', class: 'secondary small', testid: 'data-more-button', hidden: true }, 'Show more'),
    selection, deleteButton, moveTarget, moveButton, purgeButton,
    actions: h('div', { class: 'data-actions', testid: 'data-actions', hidden: true }, selection, deleteButton, moveTarget, moveButton, purgeButton),
    undo: h('div', { class: 'toast-inline', testid: 'data-undo', role: 'status', hidden: true }),
    confirmArea: h('div', { testid: 'data-confirm' }),
  };
}

export type DataView = ReturnType<typeof dataView>;

export function dataElements(view: DataView, labelTools: HTMLElement, projectTools: HTMLElement): HTMLElement[] {
  return [
    h('div', { class: 'panel-header' }, h('h2', {}, 'Review data')),
    view.status, h('div', { class: 'model-row-actions' }, view.queueNote, view.dismissFailed), view.labelBar, view.actions, view.undo, view.confirmArea,
    view.listStatus, view.grid, view.more, labelTools, projectTools,
  ];
}

/** An inline confirmation that says what will happen; nothing happens until its button is tapped. */
export function confirmIn(area: HTMLElement, text: string, verb: string, onYes: () => void): void {
  const yes = h('button', { type: 'button', class: 'danger small', testid: 'data-confirm-button' }, verb);
  const no = h('button', { type: 'button', class: 'secondary small', testid: 'data-cancel-button' }, 'Cancel');
  area.replaceChildren(h('div', { class: 'confirm', role: 'alertdialog' }, h('p', { testid: 'data-confirm-text' }, text), h('div', { class: 'model-row-actions' }, yes, no)));
  no.addEventListener('click', () => area.replaceChildren());
  yes.addEventListener('click', () => {
    area.replaceChildren();
    onYes();
  });
}
