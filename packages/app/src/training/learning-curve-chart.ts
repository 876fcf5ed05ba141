// Validation accuracy per epoch, one line per trial, as inline SVG (no chart library); the best trial is drawn
// last, thick and in the accent colour, the others thin and muted.
import { h, percent, svg } from '../dom.ts';
import type { TrialCurve } from './curves.ts';
import { familyName } from './names.ts';

const WIDTH = 320;
const HEIGHT = 170;
const PAD = { left: 34, right: 8, top: 8, bottom: 24 };
const BEST_COLOR = '#15803d';
const PALETTE = ['#2563eb', '#d97706', '#9333ea', '#0891b2', '#be123c', '#4d7c0f', '#7c3aed', '#a16207'];

export class LearningCurveChart {
  readonly element: HTMLElement;
  private readonly plot: SVGSVGElement;
  private readonly caption: HTMLElement;

  constructor(testid = 'learning-curve') {
    this.plot = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': 'Validation accuracy per epoch, one line per trial', 'data-testid': testid });
    this.caption = h('figcaption', { class: 'muted chart-caption', testid: `${testid}-caption` });
    this.element = h('figure', { class: 'curve-chart' }, this.plot, this.caption);
    this.draw([], undefined);
  }

  /** Redraws everything (a few dozen points at most: cheaper than diffing). */
  draw(curves: TrialCurve[], bestTrial: number | undefined): void {
    const maxEpoch = Math.max(2, ...curves.flatMap((c) => c.points.map((p) => p.epoch)));
    const x = (epoch: number) => PAD.left + ((epoch - 1) / (maxEpoch - 1)) * (WIDTH - PAD.left - PAD.right);
    const y = (accuracy: number) => PAD.top + (1 - accuracy) * (HEIGHT - PAD.top - PAD.bottom);
    const nodes: SVGElement[] = [];
    for (const accuracy of [0, 0.25, 0.5, 0.75, 1]) {
      nodes.push(svg('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(accuracy), y2: y(accuracy), class: 'grid' }));
      nodes.push(svg('text', { x: PAD.left - 4, y: y(accuracy) + 3, 'text-anchor': 'end', class: 'axis' }, `${accuracy * 100}%`));
    }
    const step = Math.max(1, Math.ceil(maxEpoch / 8));
    for (let epoch = 1; epoch <= maxEpoch; epoch += step) {
      nodes.push(svg('text', { x: x(epoch), y: HEIGHT - PAD.bottom + 12, 'text-anchor': 'middle', class: 'axis' }, String(epoch)));
    }
    nodes.push(svg('text', { x: (PAD.left + WIDTH - PAD.right) / 2, y: HEIGHT - 2, 'text-anchor': 'middle', class: 'axis' }, 'epoch'));

    // The best trial last, so it is on top.
    const ordered = [...curves].sort((a, b) => Number(a.trialNumber === bestTrial) - Number(b.trialNumber === bestTrial));
    let points = 0;
    for (const curve of ordered) {
      const best = curve.trialNumber === bestTrial;
      const color = best ? BEST_COLOR : PALETTE[curve.trialNumber % PALETTE.length];
      const group = svg('g', { class: best ? 'curve best' : 'curve', 'data-trial': curve.trialNumber, stroke: color, fill: color });
      group.append(svg('title', {}, `Trial ${curve.trialNumber} (${familyName(curve.family)})${best ? ', best' : ''}`));
      if (curve.points.length > 1) {
        group.append(svg('polyline', { points: curve.points.map((p) => `${x(p.epoch).toFixed(1)},${y(p.valAccuracy).toFixed(1)}`).join(' '), fill: 'none', 'stroke-width': best ? 3 : 1.5 }));
      }
      for (const point of curve.points) {
        group.append(svg('circle', { cx: x(point.epoch).toFixed(1), cy: y(point.valAccuracy).toFixed(1), r: best ? 3.5 : 2.5, 'data-epoch': point.epoch, 'data-value': point.valAccuracy }));
        points++;
      }
      nodes.push(group);
    }
    this.plot.replaceChildren(...nodes);
    this.plot.dataset.trials = String(curves.length);
    this.plot.dataset.points = String(points);
    this.plot.dataset.best = bestTrial === undefined ? '' : String(bestTrial);

    const bestCurve = curves.find((c) => c.trialNumber === bestTrial);
    const bestAccuracy = bestCurve ? Math.max(...bestCurve.points.map((p) => p.valAccuracy)) : undefined;
    this.caption.textContent = curves.length === 0
      ? 'A line per trial appears after its first epoch.'
      : `${curves.length} trial${curves.length === 1 ? '' : 's'}, validation accuracy per epoch.` +
        (bestCurve ? ` Green, thick: the best, trial ${bestCurve.trialNumber} (${familyName(bestCurve.family)}, ${percent(bestAccuracy)}).` : '');
  }
}
