// The prediction card every modality shows: for classifiers the top label, its confidence and the top-k with
// meters; for anomaly models the score against the threshold. Latency, and FPS while live. Same data-testids
// as the camera's Predict panel (predict-label, predict-confidence, predict-latency, predict-fps, predict-scores).
import { h, percent } from '../dom.ts';
import { toProbabilities } from '../probabilities.ts';
import { topK } from '../top-k.ts';

export const TOP = 3;

export class ScoreView {
  readonly element: HTMLElement;
  private readonly label = h('span', { class: 'prediction-label', testid: 'predict-label' }, '—');
  private readonly confidence = h('span', { testid: 'predict-confidence' }, '—');
  private readonly latency = h('span', { testid: 'predict-latency' }, '—');
  private readonly fps = h('span', { testid: 'predict-fps' }, '—');
  private readonly fpsPart: HTMLElement;
  private readonly best = new Int32Array(TOP);
  private readonly rows = Array.from({ length: TOP }, () => {
    const name = h('span', { class: 'score-name' });
    const meter = h('meter', { min: 0, max: 1, value: 0 });
    const value = h('span', { class: 'score-value' });
    return { row: h('li', { hidden: true }, name, meter, value), name, meter, value };
  });
  // The last few prediction times (a ring), so a change of pace shows within a second or two.
  private readonly stamps = new Float64Array(5);
  private predictions = 0;

  /** `unit`: "fps" for camera frames, "per s" for predictions of other inputs. */
  constructor(unit = 'per s') {
    this.fpsPart = h('span', { hidden: true }, ' · ', this.fps, ` ${unit}`);
    this.element = h(
      'div',
      { class: 'prediction card' },
      this.label,
      h('span', { class: 'muted' }, 'Confidence ', this.confidence, ' · ', this.latency, this.fpsPart),
      h('ol', { class: 'scores', testid: 'predict-scores' }, ...this.rows.map((r) => r.row)),
    );
  }

  /** Shows a classifier's output; returns the top-1 probability. */
  showScores(output: Float32Array, labels: readonly string[], latencyMs: number): number {
    const probabilities = toProbabilities(output);
    const count = topK(probabilities, this.best);
    this.rows.forEach((row, n) => {
      row.row.hidden = n >= count;
      if (n >= count) return;
      const p = probabilities[this.best[n]];
      row.name.textContent = labels[this.best[n]] ?? `class ${this.best[n]}`;
      row.meter.value = p;
      row.value.textContent = percent(p, 0);
    });
    const top = probabilities[this.best[0]];
    this.label.textContent = this.rows[0].name.textContent;
    this.label.dataset.label = this.rows[0].name.textContent ?? '';
    this.confidence.textContent = percent(top);
    this.showLatency(latencyMs);
    return top;
  }

  showLatency(latencyMs: number): void {
    this.latency.textContent = `${latencyMs.toFixed(1)} ms`;
  }

  /** Live mode: shows predictions per second once a few have been made. */
  setLive(live: boolean): void {
    this.fpsPart.hidden = !live;
    this.predictions = 0;
    if (!live) this.fps.textContent = '—';
  }

  /** Call once per live prediction. */
  tick(now = performance.now()): void {
    const slot = this.predictions % this.stamps.length;
    const oldest = this.stamps[slot];
    this.stamps[slot] = now;
    this.predictions++;
    if (this.predictions > this.stamps.length) this.fps.textContent = ((this.stamps.length * 1000) / (now - oldest)).toFixed(1);
  }
}
