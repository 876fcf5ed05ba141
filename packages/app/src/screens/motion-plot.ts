// A motion recording as a small plot for the Data grid: one line per channel over the whole recording, each
// channel scaled on its own (acceleration and rotation differ by orders of magnitude), and its length.
import { parseMotionRecording } from '@offgrid/features';
import { h, svg } from '../dom.ts';

const WIDTH = 96;
const HEIGHT = 48;
/** More points than pixels adds nothing: long recordings are drawn from every n-th step. */
const MAX_POINTS = WIDTH * 2;
const COLORS: Record<string, string> = { ax: '#dc2626', ay: '#16a34a', az: '#2563eb', gx: '#d97706', gy: '#0891b2', gz: '#9333ea' };

/** The plot, or undefined when the content is not an `offgrid.motion.v1` recording. */
export function motionPlot(json: string): HTMLElement | undefined {
  let recording;
  try {
    recording = parseMotionRecording(JSON.parse(json));
  } catch {
    return undefined;
  }
  const { channels, data, rateHz } = recording;
  const steps = data.length / channels.length;
  const stride = Math.max(1, Math.ceil(steps / MAX_POINTS));
  const plot = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, width: WIDTH, height: HEIGHT, role: 'img', 'aria-label': `Motion: ${channels.join(', ')}` });
  channels.forEach((channel, c) => {
    let min = Infinity;
    let max = -Infinity;
    for (let s = 0; s < steps; s++) {
      const value = data[s * channels.length + c];
      min = Math.min(min, value);
      max = Math.max(max, value);
    }
    const span = max - min || 1;
    const points: string[] = [];
    for (let s = 0; s < steps; s += stride) {
      const x = steps === 1 ? 0 : (s / (steps - 1)) * WIDTH;
      const y = HEIGHT - 2 - ((data[s * channels.length + c] - min) / span) * (HEIGHT - 4);
      points.push(`${x.toFixed(1)},${y.toFixed(1)}`);
    }
    plot.append(svg('polyline', { points: points.join(' '), fill: 'none', stroke: COLORS[channel] ?? '#555', 'stroke-width': 1 }));
  });
  return h('figure', { class: 'data-motion', testid: 'data-motion-plot', 'data-steps': steps }, plot, h('figcaption', { class: 'muted' }, `${(steps / rateHz).toFixed(1)} s · ${rateHz} Hz`));
}
