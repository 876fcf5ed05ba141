// Capture: one big button per label; each tap grabs a 128x128 centre square, encodes JPEG and uploads it.
import type { OffgridClient, Project } from '@offgrid/sdk';
import { describeApiError } from '../api-errors.ts';
import type { Dispose } from '../context.ts';
import { errorMessage, h } from '../dom.ts';
import { canvasToJpeg, grabSquareFrame } from '../frame.ts';

export interface CapturePanelOptions {
  client: OffgridClient;
  project: Project;
  video: HTMLVideoElement;
}

export function mountCapturePanel(root: HTMLElement, { client, project, video }: CapturePanelOptions): Dispose {
  const controller = new AbortController();
  const status = h('p', { class: 'status', testid: 'capture-status', role: 'status' }, 'Tap a label to capture the camera frame as that label.');
  let pending = 0;

  const rows = project.labels.map((label) => {
    let uploaded = project.sampleCounts[label] ?? 0;
    let failed = 0;
    const count = h('span', { class: 'count', testid: `capture-count-${label}`, 'data-label': label }, String(uploaded));
    const errors = h('span', { class: 'errors', testid: `capture-errors-${label}`, 'data-label': label, hidden: true });
    const button = h(
      'button',
      { type: 'button', class: 'capture-button', testid: `capture-button-${label}`, 'data-label': label },
      h('span', { class: 'capture-label' }, label),
      h('span', { class: 'capture-counts' }, count, errors),
    );
    const render = () => {
      count.textContent = String(uploaded);
      errors.textContent = `${failed} failed`;
      errors.hidden = failed === 0;
    };
    const showProgress = () => {
      status.textContent = pending > 0 ? `Uploading ${pending}…` : `Uploaded. ${label}: ${uploaded} sample${uploaded === 1 ? '' : 's'}.`;
    };
    button.addEventListener('click', async () => {
      let jpeg: Blob;
      try {
        jpeg = await canvasToJpeg(grabSquareFrame(video));
      } catch (error) {
        status.textContent = errorMessage(error);
        return;
      }
      pending++;
      showProgress();
      try {
        const result = await client.uploadSample(project.id, label, jpeg, { idempotencyKey: crypto.randomUUID(), signal: controller.signal });
        if (!result.duplicate) uploaded++;
        pending--;
        render();
        showProgress();
        if (result.duplicate) status.textContent = `That ${label} frame was already uploaded.`;
      } catch (error) {
        pending--;
        if (controller.signal.aborted) return;
        failed++;
        render();
        status.textContent = `Upload of a ${label} sample failed: ${describeApiError(error)}`;
      }
    });
    return button;
  });

  root.replaceChildren(h('div', { class: 'capture-grid' }, ...rows), status);
  return () => controller.abort();
}
