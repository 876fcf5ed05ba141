// What one sample looks like in the Data tab's grid, by modality: a thumbnail for photos, a play button for clips,
// a small plot for motion recordings, one line for texts and table rows. Fetched with the key, shown from memory.
import type { OffgridClient, Sample } from '@offgrid/sdk';
import { errorMessage, h } from '../../dom.ts';
import { motionPlot } from '../motion-plot.ts';

export interface PreviewContext {
  client: OffgridClient;
  projectId: string;
  signal: AbortSignal;
  /** Object URLs made for previews, revoked when the panel goes. */
  objectUrls: string[];
}

function playButton(sample: Sample, slot: HTMLElement, { client, projectId, signal, objectUrls }: PreviewContext): HTMLElement {
  const play = h('button', { type: 'button', class: 'secondary small', testid: 'data-play', 'aria-label': 'Play this clip' }, '▶');
  play.addEventListener('click', async (event) => {
    event.stopPropagation();
    const url = URL.createObjectURL(await client.sampleContent(projectId, sample.id, { signal }));
    objectUrls.push(url);
    new Audio(url).play().catch((error: unknown) => slot.append(h('span', { class: 'muted' }, ` cannot play: ${errorMessage(error)}`)));
  });
  return play;
}

export function samplePreview(sample: Sample, context: PreviewContext): HTMLElement {
  const { client, projectId, signal, objectUrls } = context;
  const slot = h('div', { class: 'data-preview' });
  const show = async () => {
    if (sample.mediaType.startsWith('image/')) {
      const url = URL.createObjectURL(await client.sampleThumbnail(projectId, sample.id, { signal }));
      objectUrls.push(url);
      slot.replaceChildren(h('img', { src: url, alt: `${sample.label} sample`, width: 96, height: 96, testid: 'data-thumbnail' }));
    } else if (sample.mediaType.startsWith('audio/')) {
      slot.replaceChildren(playButton(sample, slot, context), h('span', { class: 'muted' }, `${sample.meta.durationSeconds?.toFixed(1) ?? '?'} s`));
    } else {
      const text = await (await client.sampleContent(projectId, sample.id, { signal })).text();
      slot.replaceChildren(motionPlot(text) ?? h('span', { class: 'data-text', testid: 'data-text' }, summary(sample, text)));
    }
  };
  show().catch(() => slot.replaceChildren(h('span', { class: 'muted' }, 'unavailable')));
  return slot;
}

/** One line for a text or a table row. */
function summary(sample: Sample, content: string): string {
  if (sample.mediaType.startsWith('text/')) return content.length > 80 ? `${content.slice(0, 79)}…` : content;
  try {
    const json = JSON.parse(content) as { features?: number[] };
    if (json.features) return json.features.map((v) => Number(v.toPrecision(4))).join(', ');
  } catch {
    // not JSON: say what it is
  }
  return sample.mediaType;
}
