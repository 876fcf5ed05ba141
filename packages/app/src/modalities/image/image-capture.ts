// Image capture on the shared camera preview: one big button per label (its counts inside); each tap grabs a
// 128x128 centre square, encodes JPEG and puts it in the outbox. Photos from the gallery are cropped and
// downsampled on the phone exactly like a capture, then go the same way.
import type { SampleQueue } from '../../context.ts';
import { errorMessage, h } from '../../dom.ts';
import { SAMPLE_SIZE, canvasToJpeg, grabSquareFrame, squareFromImageFile } from '../../frame.ts';
import type { MountCapture } from '../types.ts';

/** "Choose photos…" with a label: each file decoded (EXIF applied), centre-cropped, downsampled, JPEG, outbox. */
function galleryImport(labels: readonly string[], outbox: SampleQueue, projectId: string): HTMLElement {
  const label = h('select', { testid: 'import-label-select', 'aria-label': 'Label for the imported photos' }, ...labels.map((name) => h('option', { value: name }, name)));
  const input = h('input', { type: 'file', accept: 'image/*', multiple: true, class: 'visually-hidden', testid: 'import-input' });
  const status = h('p', { class: 'muted import-status', testid: 'import-status', role: 'status' });
  input.addEventListener('change', async () => {
    const files = [...(input.files ?? [])];
    input.value = '';
    if (files.length === 0) return;
    const chosen = label.value;
    input.disabled = true;
    const failed: string[] = [];
    let added = 0;
    for (const [n, file] of files.entries()) {
      status.textContent = `Importing ${n + 1} of ${files.length}…`;
      try {
        await outbox.add({ projectId, label: chosen, data: await canvasToJpeg(await squareFromImageFile(file)) });
        added++;
      } catch (error) {
        failed.push(`${file.name} (${errorMessage(error)})`);
      }
    }
    input.disabled = false;
    status.textContent =
      `Added ${added} photo${added === 1 ? '' : 's'} as “${chosen}” (${SAMPLE_SIZE}×${SAMPLE_SIZE}, like captures).` +
      (failed.length > 0 ? ` Skipped: ${failed.join(', ')}.` : '');
    status.dataset.added = String(added);
  });
  return h(
    'div',
    { class: 'import', testid: 'import' },
    h('span', {}, 'Or import photos from the gallery as'),
    h('div', { class: 'import-row' }, label, h('label', { class: 'button secondary small', testid: 'import-button' }, 'Choose photos…', input)),
    status,
  );
}

export const mountImageCapture: MountCapture = (panel, context, project) => {
  const { video, outbox, reachability } = context;
  const status = h('p', { class: 'status', testid: 'capture-status', role: 'status' }, 'Point the camera at an example, then tap its label. Capture at least 5 per label, from different angles.');
  const buttons = project.labels.map((label) => {
    const button = h(
      'button',
      { type: 'button', class: 'capture-button', testid: `capture-button-${label}`, 'data-label': label },
      h('span', { class: 'capture-label' }, label),
      context.takeCounts(label),
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
    return button;
  });
  panel.replaceChildren(h('div', { class: 'capture-grid' }, ...buttons), status, galleryImport(project.labels, outbox, project.id));
  return () => undefined;
};
