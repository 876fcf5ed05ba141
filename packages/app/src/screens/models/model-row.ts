// One version on the Models tab: badges, metrics, the phone's variant choice, the phone and server actions, the
// delete confirmation, a status line and the training report. A view only: `RowState` says what to draw and
// `RowActions` what the buttons do.
import type { ModelVersion } from '@offgrid/sdk';
import type { StoredModel } from '../../device/model-store.ts';
import { formatBytes, formatDate } from '../../device/model-sync.ts';
import { h, percent } from '../../dom.ts';
import { accuracyOf, roughNote } from '../../training/sample-counts.ts';
import { variantView, type VariantPick } from '../variant-view.ts';

export interface RowState {
  model: ModelVersion;
  /** The copy on this phone, if any. */
  saved?: StoredModel;
  /** The version Predict uses on this phone. */
  active: boolean;
  onServer: boolean;
  /** The server's active version (from the server's list: a saved copy's `active` is from its download). */
  serverActive: boolean;
  serverPinned: boolean;
  busy: boolean;
  /** "Delete from server" waits for confirmation. */
  confirming: boolean;
  message?: string;
  /** The training report is open: its view, an error, or still loading (undefined). */
  details?: { view?: HTMLElement; error?: string };
}

export interface RowActions {
  download(): void;
  activate(): void;
  remove(): void;
  activateOnServer(): void;
  askDelete(): void;
  confirmDelete(): void;
  cancelDelete(): void;
  toggleDetails(): void;
  pickVariant(saved: StoredModel, pick: VariantPick): void;
}

function button(label: string, testid: string, onClick: () => void, attributes: Record<string, string | boolean | undefined> = {}): HTMLButtonElement {
  const element = h('button', { type: 'button', testid, ...attributes }, label);
  element.addEventListener('click', onClick);
  return element;
}

function badges({ model, saved, active, onServer, serverActive, serverPinned }: RowState): HTMLElement {
  return h(
    'div',
    { class: 'model-row-head' },
    h('strong', { testid: 'model-version' }, `v${model.version}`),
    saved ? h('span', { class: 'badge', testid: 'model-badge-saved' }, `On phone · ${saved.variant}`) : null,
    active ? h('span', { class: 'badge active', testid: 'model-badge-active', title: 'The version Predict uses on this phone' }, 'Predicts here') : null,
    serverActive ? h('span', { class: 'badge server', testid: 'model-badge-server-active' }, serverPinned ? 'Server’s choice · pinned' : 'Server’s choice') : null,
    onServer ? null : h('span', { class: 'badge', testid: 'model-badge-phone-only' }, 'Only on phone'),
  );
}

function metrics({ model, saved }: RowState): HTMLElement {
  const { test, sizes } = model.metrics;
  const artifact = model.artifacts.find((a) => a.variant === 'float32');
  const tests = test
    ? [h('span', { testid: 'model-test-float32' }, `float32 ${percent(test.float32.accuracy)}`), ' · ', h('span', { testid: 'model-test-int8' }, `int8 ${percent(test.int8.accuracy)}`), ` · ${test.samples} test samples`]
    : ['—'];
  return h(
    'dl',
    { class: 'model-metrics' },
    h('dt', {}, 'Test accuracy'),
    h('dd', { class: 'model-tests', testid: 'model-test-accuracy' }, ...tests),
    h('dt', {}, 'Val accuracy'), h('dd', { testid: 'model-val-accuracy' }, accuracyOf(model.metrics.valAccuracy, model.metrics.valSamples)),
    h('dt', {}, 'Size'),
    h('dd', { testid: 'model-size' }, sizes ? `float32 ${formatBytes(sizes.float32Bytes)} · int8 ${formatBytes(sizes.int8Bytes)}` : formatBytes(saved?.sizeBytes ?? artifact?.sizeBytes)),
    h('dt', {}, 'Trained'), h('dd', { testid: 'model-date' }, formatDate(model.createdAt)),
  );
}

function roughLine(model: ModelVersion): HTMLElement | null {
  const note = model.metrics.anomaly ? undefined : roughNote(Math.min(model.metrics.valSamples ?? Infinity, model.metrics.test?.samples ?? Infinity), 'Accuracy');
  return note ? h('p', { class: 'note-small warning', testid: 'model-rough', role: 'note' }, note) : null;
}

function phoneActions(state: RowState, actions: RowActions): HTMLElement {
  const { model, saved, active, busy } = state;
  const disabled = busy || undefined;
  const open = state.details !== undefined;
  return h(
    'div',
    { class: 'model-row-actions' },
    saved ? null : button('Download', 'model-download-button', actions.download, { class: 'secondary', disabled }),
    saved && !active ? button('Use on phone', 'model-activate-button', actions.activate, { class: 'secondary', disabled, 'aria-label': `Predict with v${model.version} on this phone` }) : null,
    saved ? button('Delete from phone', 'model-delete-button', actions.remove, { disabled, 'aria-label': `Delete v${model.version} from this phone` }) : null,
    button(open ? 'Hide details' : 'Details', 'model-details-button', actions.toggleDetails, {
      class: 'secondary', 'aria-expanded': String(open), 'aria-label': `${open ? 'Hide' : 'Show'} the training report of v${model.version}`,
    }),
  );
}

function serverActions({ model, busy }: RowState, actions: RowActions): HTMLElement {
  const disabled = busy || undefined;
  return h(
    'div',
    { class: 'model-row-actions server-actions' },
    button('Make active on server', 'model-server-activate-button', actions.activateOnServer, { class: 'secondary', disabled, 'aria-label': `Make v${model.version} the server’s active model (pinned)` }),
    button('Delete from server', 'model-server-delete-button', actions.askDelete, { class: 'danger', disabled, 'aria-label': `Delete v${model.version} from the server` }),
  );
}

function confirmation({ model, saved }: RowState, actions: RowActions): HTMLElement {
  return h(
    'div',
    { class: 'confirm', testid: 'model-server-delete-confirmation', role: 'alertdialog', 'aria-label': `Delete v${model.version} from the server?` },
    h('p', {}, `Delete v${model.version} and its files from the server? This cannot be undone.${saved ? ' The copy on this phone stays.' : ''}`),
    h(
      'div',
      { class: 'model-row-actions' },
      button(`Delete v${model.version} from server`, 'model-server-delete-confirm', actions.confirmDelete, { class: 'danger' }),
      button('Keep it', 'model-server-delete-cancel', actions.cancelDelete, { class: 'secondary' }),
    ),
  );
}

function details({ view, error }: NonNullable<RowState['details']>): HTMLElement {
  return h(
    'div',
    { class: 'model-details', testid: 'model-details', 'data-state': view ? 'ready' : error ? 'error' : 'loading' },
    view ?? h('p', { class: 'muted', testid: 'model-details-status', role: 'status' }, error ?? 'Loading the training report…'),
  );
}

export function modelRow(state: RowState, actions: RowActions): HTMLElement {
  const { model, saved, active, onServer, serverActive } = state;
  const confirming = state.confirming && onServer && !serverActive;
  return h(
    'li',
    {
      class: `model-row${active ? ' active' : ''}`,
      testid: 'model-row',
      'data-model-id': model.id,
      'data-version': model.version,
      'data-saved': String(!!saved),
      'data-active': String(active),
      'data-on-server': String(onServer),
      'data-server-active': String(serverActive),
    },
    badges(state),
    metrics(state),
    roughLine(model),
    saved ? variantView(saved, state.busy, (pick) => actions.pickVariant(saved, pick)) : null,
    phoneActions(state, actions),
    onServer && !serverActive && !confirming ? serverActions(state, actions) : null,
    confirming ? confirmation(state, actions) : null,
    state.message ? h('p', { class: 'status', testid: 'model-row-status', role: 'status' }, state.message) : null,
    state.details ? details(state.details) : null,
  );
}
