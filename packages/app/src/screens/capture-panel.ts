// Capture: per-label counts (uploaded, queued, failed) and the outbox queue for every modality, around the
// modality's own capture. Images: one big button per label; each tap grabs a 128x128 centre square, encodes JPEG
// and puts it in the outbox (IndexedDB first, then uploaded; queued while the server is away). Other modalities
// mount their module (modalities/registry.ts) and put their samples in the same outbox.
import { type OutboxSnapshot, isEditEntry } from '@offgrid/sdk';
import type { AppServices, Dispose } from '../context.ts';
import { errorMessage, h } from '../dom.ts';
import { SAMPLE_SIZE, canvasToJpeg, grabSquareFrame, squareFromImageFile } from '../frame.ts';
import type { ModalProject } from '../modalities/project-fields.ts';
import { CAPTURE_MODULES } from '../modalities/registry.ts';
import { rememberProject } from '../projects-cache.ts';

export interface CapturePanelOptions extends AppServices {
  project: ModalProject;
  video: HTMLVideoElement;
}

export function mountCapturePanel(root: HTMLElement, options: CapturePanelOptions): Dispose {
  const { project, video, outbox, reachability } = options;
  const status = h('p', { class: 'status', testid: 'capture-status', role: 'status' }, 'Point the camera at an example, then tap its label. Capture at least 5 per label, from different angles.');
  const pendingCount = h('strong', { testid: 'outbox-pending' }, '0');
  const failedCount = h('strong', { testid: 'outbox-failed' }, '0');
  const retryButton = h('button', { type: 'button', class: 'secondary small', testid: 'outbox-retry-button' }, 'Retry now');
  const discardButton = h('button', { type: 'button', class: 'small', testid: 'outbox-discard-button', hidden: true }, 'Discard failed');
  const queue = h(
    'div',
    { class: 'queue', testid: 'outbox' },
    h('span', {}, 'Waiting to upload: ', pendingCount, ' · failed: ', failedCount),
    h('span', { class: 'queue-note muted', testid: 'outbox-note' }),
    h('div', { class: 'queue-actions' }, retryButton, discardButton),
  );

  // Gallery / file import: each photo is cropped and downsampled on the phone exactly like a capture.
  const importLabel = h('select', { testid: 'import-label-select', 'aria-label': 'Label for the imported photos' }, ...project.labels.map((name) => h('option', { value: name }, name)));
  const importInput = h('input', { type: 'file', accept: 'image/*', multiple: true, class: 'visually-hidden', testid: 'import-input' });
  const importButton = h('label', { class: 'button secondary small', testid: 'import-button' }, 'Choose photos…', importInput);
  const importStatus = h('p', { class: 'muted import-status', testid: 'import-status', role: 'status' });
  const importer = h(
    'div',
    { class: 'import', testid: 'import' },
    h('span', {}, 'Or import photos from the gallery as'),
    h('div', { class: 'import-row' }, importLabel, importButton),
    importStatus,
  );
  importInput.addEventListener('change', async () => {
    const files = [...(importInput.files ?? [])];
    importInput.value = '';
    if (files.length === 0) return;
    const label = importLabel.value;
    importInput.disabled = true;
    const failed: string[] = [];
    let added = 0;
    for (const [n, file] of files.entries()) {
      importStatus.textContent = `Importing ${n + 1} of ${files.length}…`;
      try {
        const jpeg = await canvasToJpeg(await squareFromImageFile(file));
        await outbox.add({ projectId: project.id, label, data: jpeg });
        added++;
      } catch (error) {
        failed.push(`${file.name} (${errorMessage(error)})`);
      }
    }
    importInput.disabled = false;
    importStatus.textContent =
      `Added ${added} photo${added === 1 ? '' : 's'} as “${label}” (${SAMPLE_SIZE}×${SAMPLE_SIZE}, like captures).` +
      (failed.length > 0 ? ` Skipped: ${failed.join(', ')}.` : '');
    importStatus.dataset.added = String(added);
  });

  const uploaded: Record<string, number> = { ...project.sampleCounts };
  const rows = project.labels.map((label) => {
    const count = h('span', { class: 'count', testid: `capture-count-${label}`, 'data-label': label, title: 'uploaded' }, String(uploaded[label] ?? 0));
    const queued = h('span', { class: 'queued', testid: `capture-pending-${label}`, 'data-label': label, hidden: true });
    const errors = h('span', { class: 'errors', testid: `capture-errors-${label}`, 'data-label': label, hidden: true });
    if (project.modality !== 'image') return { label, item: h('li', { 'data-label': label }, h('span', {}, label), queued, errors, count), count, queued, errors };
    const button = h(
      'button',
      { type: 'button', class: 'capture-button', testid: `capture-button-${label}`, 'data-label': label },
      h('span', { class: 'capture-label' }, label),
      h('span', { class: 'capture-counts' }, queued, errors, count),
    );
    button.addEventListener('click', async () => {
      try {
        const jpeg = await canvasToJpeg(grabSquareFrame(video));
        await outbox.add({ projectId: project.id, label, data: jpeg });
        status.textContent = reachability.state === 'offline' ? `Saved on the phone; uploads when the server is back.` : `Captured ${label}.`;
      } catch (error) {
        status.textContent = errorMessage(error);
      }
    });
    return { label, item: button, count, queued, errors };
  });

  const render = (snapshot: OutboxSnapshot) => {
    const pendingByLabel = snapshot.pendingByLabel[project.id] ?? {};
    const failedByLabel: Record<string, number> = {};
    for (const entry of outbox.list()) if (entry.projectId === project.id && entry.state === 'failed' && !isEditEntry(entry)) failedByLabel[entry.label] = (failedByLabel[entry.label] ?? 0) + 1;
    for (const row of rows) {
      row.count.textContent = String(uploaded[row.label] ?? 0);
      const pending = pendingByLabel[row.label] ?? 0;
      row.queued.hidden = pending === 0;
      row.queued.textContent = `+${pending} queued`;
      const failed = failedByLabel[row.label] ?? 0;
      row.errors.hidden = failed === 0;
      row.errors.textContent = `${failed} failed`;
    }
    pendingCount.textContent = String(snapshot.pending);
    failedCount.textContent = String(snapshot.failed);
    queue.dataset.pending = String(snapshot.pending);
    discardButton.hidden = snapshot.failed === 0;
    retryButton.hidden = snapshot.pending === 0 && snapshot.failed === 0;
    const note = queue.querySelector<HTMLElement>('[data-testid="outbox-note"]')!;
    if (snapshot.pausedBy.includes('battery')) note.textContent = 'Paused: battery low. Uploads resume when charging.';
    else if (snapshot.pending > 0 && snapshot.retryAt) note.textContent = `Server unreachable; retrying at ${new Date(snapshot.retryAt).toLocaleTimeString()}.`;
    else if (snapshot.failed > 0) note.textContent = `The server refused some samples: ${snapshot.lastError ?? 'see the log'}`;
    else if (snapshot.uploading) note.textContent = 'Uploading…';
    else note.textContent = snapshot.pending === 0 ? 'All captures uploaded.' : '';
  };

  const addUploaded = (label: string, count: number) => {
    uploaded[label] = (uploaded[label] ?? 0) + count;
    void rememberProject({ ...project, sampleCounts: { ...uploaded } }); // offline, counts start from here
  };
  const unsubscribe = outbox.subscribe((event) => {
    if (event.type === 'uploaded' && event.entry.projectId === project.id && !event.result.duplicate) addUploaded(event.entry.label, 1);
    if (event.type === 'change') render(event.snapshot);
  });
  retryButton.addEventListener('click', () => {
    void reachability.checkNow();
    void outbox.retryFailed();
  });
  discardButton.addEventListener('click', () => void outbox.discardFailed());

  const legend = h('p', { class: 'muted legend' }, 'The green number is how many examples of that label the server has.');
  let disposeModule: Dispose = () => undefined;
  if (project.modality === 'image') root.replaceChildren(h('div', { class: 'capture-grid' }, ...rows.map((r) => r.item)), legend, status, importer, queue);
  else {
    const area = h('div', { class: 'modality-capture', testid: `capture-${project.modality}` });
    root.replaceChildren(area, h('ul', { class: 'label-counts', testid: 'label-counts' }, ...rows.map((r) => r.item)), legend, queue);
    disposeModule = CAPTURE_MODULES[project.modality](area, { ...options, addUploaded: (label, count) => {
      addUploaded(label, count);
      render(outbox.snapshot());
    } }, project);
  }
  render(outbox.snapshot());
  return () => {
    unsubscribe();
    disposeModule();
  };
}
