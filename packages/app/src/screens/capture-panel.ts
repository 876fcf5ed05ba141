// Capture: per-label counts (uploaded, queued, failed) and the outbox queue for every modality, around the
// modality's own capture module (modalities/registry.ts: image buttons on the camera, sensors, microphone, forms),
// which puts its samples in the outbox (IndexedDB first, then uploaded; queued while the server is away).
import { type OutboxSnapshot, isEditEntry } from '@offgrid/sdk';
import type { Dispose, SampleQueue } from '../context.ts';
import { h } from '../dom.ts';
import type { ModalProject } from '../modalities/project-fields.ts';
import { CAPTURE_MODULES } from '../modalities/registry.ts';
import type { ModalityContext } from '../modalities/types.ts';
import { rememberProject } from '../projects-cache.ts';
import { countLocalSamples, onLocalSamplesChanged } from '../device/local-samples.ts';
import { PRIVACY_NOTE } from '../device/phone-only-outbox.ts';

export interface CapturePanelOptions extends ModalityContext {
  project: ModalProject;
}

/** One label's counts: uploaded (the server's), queued in the outbox, failed. */
function labelCounts(label: string, uploaded: number) {
  const count = h('span', { class: 'count', testid: `capture-count-${label}`, 'data-label': label, title: 'uploaded' }, String(uploaded));
  const queued = h('span', { class: 'queued', testid: `capture-pending-${label}`, 'data-label': label, hidden: true });
  const errors = h('span', { class: 'errors', testid: `capture-errors-${label}`, 'data-label': label, hidden: true });
  return { label, count, queued, errors, taken: false };
}
type LabelCounts = ReturnType<typeof labelCounts>;

function queueView() {
  const pendingCount = h('strong', { testid: 'outbox-pending' }, '0');
  const failedCount = h('strong', { testid: 'outbox-failed' }, '0');
  const note = h('span', { class: 'queue-note muted', testid: 'outbox-note' });
  const retryButton = h('button', { type: 'button', class: 'secondary small', testid: 'outbox-retry-button' }, 'Retry now');
  const discardButton = h('button', { type: 'button', class: 'small', testid: 'outbox-discard-button', hidden: true }, 'Discard failed');
  const element = h(
    'div',
    { class: 'queue', testid: 'outbox' },
    h('span', {}, 'Waiting to upload: ', pendingCount, ' · failed: ', failedCount),
    note,
    h('div', { class: 'queue-actions' }, retryButton, discardButton),
  );
  return { element, pendingCount, failedCount, note, retryButton, discardButton };
}

function queueNote(snapshot: OutboxSnapshot): string {
  if (snapshot.pausedBy.includes('battery')) return 'Paused: battery low. Uploads resume when charging.';
  if (snapshot.pending > 0 && snapshot.retryAt) return `Server unreachable; retrying at ${new Date(snapshot.retryAt).toLocaleTimeString()}.`;
  if (snapshot.failed > 0) return `The server refused some samples: ${snapshot.lastError ?? 'see the log'}`;
  if (snapshot.uploading) return 'Uploading…';
  return snapshot.pending === 0 ? 'All captures uploaded.' : '';
}

function showQueue(queue: ReturnType<typeof queueView>, snapshot: OutboxSnapshot): void {
  queue.pendingCount.textContent = String(snapshot.pending);
  queue.failedCount.textContent = String(snapshot.failed);
  queue.element.dataset.pending = String(snapshot.pending);
  queue.discardButton.hidden = snapshot.failed === 0;
  queue.retryButton.hidden = snapshot.pending === 0 && snapshot.failed === 0;
  queue.note.textContent = queueNote(snapshot);
}

function showCounts(rows: readonly LabelCounts[], uploaded: Record<string, number>, snapshot: OutboxSnapshot, outbox: SampleQueue, projectId: string): void {
  const pendingByLabel = snapshot.pendingByLabel[projectId] ?? {};
  const failedByLabel: Record<string, number> = {};
  for (const entry of outbox.list()) if (entry.projectId === projectId && entry.state === 'failed' && !isEditEntry(entry)) failedByLabel[entry.label] = (failedByLabel[entry.label] ?? 0) + 1;
  for (const row of rows) {
    row.count.textContent = String(uploaded[row.label] ?? 0);
    const pending = pendingByLabel[row.label] ?? 0;
    row.queued.hidden = pending === 0;
    row.queued.textContent = `+${pending} queued`;
    const failed = failedByLabel[row.label] ?? 0;
    row.errors.hidden = failed === 0;
    row.errors.textContent = `${failed} failed`;
  }
}

export function mountCapturePanel(root: HTMLElement, options: CapturePanelOptions): Dispose {
  const { project, outbox, reachability } = options;
  const uploaded: Record<string, number> = { ...project.sampleCounts };
  const rows = project.labels.map((label) => labelCounts(label, uploaded[label] ?? 0));
  const queue = queueView();
  const render = (snapshot: OutboxSnapshot) => {
    showCounts(rows, uploaded, snapshot, outbox, project.id);
    showQueue(queue, snapshot);
  };
  const addUploaded = (label: string, count: number) => {
    uploaded[label] = (uploaded[label] ?? 0) + count;
    void rememberProject({ ...project, sampleCounts: { ...uploaded } }); // offline, counts start from here
  };
  const unsubscribe = outbox.subscribe((event) => {
    if (event.type === 'uploaded' && event.entry.projectId === project.id && !event.result.duplicate) addUploaded(event.entry.label, 1);
    if (event.type === 'change') render(event.snapshot);
  });
  queue.retryButton.addEventListener('click', () => {
    void reachability.checkNow();
    void outbox.retryFailed();
  });
  queue.discardButton.addEventListener('click', () => void outbox.discardFailed());

  // The module mounts into its area already in the tab panel (audio watches the panel to turn the microphone off).
  const area = h('div', { class: 'modality-capture', testid: `capture-${project.modality}` });
  root.replaceChildren(area);
  const disposeModule = CAPTURE_MODULES[project.modality](area, {
    ...options,
    addUploaded: (label, count) => {
      addUploaded(label, count);
      render(outbox.snapshot());
    },
    takeCounts: (label) => {
      const row = rows.find((r) => r.label === label)!;
      row.taken = true;
      return h('span', { class: 'capture-counts' }, row.queued, row.errors, row.count);
    },
  }, project);
  const listed = rows.filter((r) => !r.taken);
  const list = listed.length > 0 ? h('ul', { class: 'label-counts', testid: 'label-counts' }, ...listed.map((r) => h('li', { 'data-label': r.label }, h('span', {}, r.label), r.queued, r.errors, r.count))) : '';
  if (project.samplesStayOnDevice) {
    // Privacy mode: the counts are the samples kept on this phone; there is no upload queue.
    root.append(list, h('p', { class: 'muted legend privacy-note', testid: 'capture-privacy-note' }, `${PRIVACY_NOTE} The green number is how many examples of that label this phone keeps.`));
    const showLocal = () => countLocalSamples(project.id).then((counts) => {
      for (const row of rows) row.count.textContent = String(counts[row.label] ?? 0);
    }, () => undefined);
    const stopWatching = onLocalSamplesChanged((changed) => { if (changed === project.id) void showLocal(); });
    void showLocal();
    return () => {
      stopWatching();
      unsubscribe();
      disposeModule();
    };
  }
  const legend = h('p', { class: 'muted legend' }, 'The green number is how many examples of that label the server has.');
  root.append(list, legend, queue.element);
  render(outbox.snapshot());
  return () => {
    unsubscribe();
    disposeModule();
  };
}
