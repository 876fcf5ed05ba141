// An anomaly model's score against its calibrated threshold (model.metrics.anomaly): the number, a bar whose
// right end is twice the threshold, a verdict, and for live sensors a chart of the recent scores and an alarm
// banner (with a vibration where the phone has one) raised by AnomalyAlarm's hysteresis.
import { h, percent } from '../dom.ts';
import type { AnomalyMetrics } from './model-fields.ts';
import { AnomalyAlarm } from './motion/alarm.ts';
import type { AlarmState } from './motion/alarm.ts';

const CHART_POINTS = 60;

export class AnomalyView {
  readonly element: HTMLElement;
  readonly alarm: AnomalyAlarm;
  private readonly score = h('strong', { testid: 'anomaly-score' }, '—');
  private readonly verdict = h('span', { class: 'anomaly-verdict', testid: 'anomaly-verdict' }, '—');
  /** The chart's top: scores far above the threshold are clipped so normal scores stay visible. */
  private readonly chartTop: number;
  private readonly bar = h('meter', { testid: 'anomaly-meter', min: 0, max: 2, low: 1, high: 1, optimum: 0, value: 0 });
  private readonly latency = h('span', { testid: 'predict-latency' }, '—');
  private readonly banner: HTMLElement;
  private readonly bannerText = h('span', { testid: 'anomaly-alarm-text' });
  private readonly chart = h('canvas', { class: 'anomaly-chart', testid: 'anomaly-chart', width: 320, height: 80 });
  private readonly history = new Float32Array(CHART_POINTS);
  private points = 0;

  constructor(
    readonly metrics: AnomalyMetrics,
    options: { live: boolean },
  ) {
    this.alarm = new AnomalyAlarm(metrics.threshold);
    this.chartTop = metrics.threshold > 0 ? metrics.threshold * 3 : 1;
    const rate = Number.isFinite(metrics.falseAlarmRate) ? ` (calibrated for ${percent(metrics.falseAlarmRate, 1)} false alarms on normal data)` : '';
    this.banner = h(
      'div',
      { class: 'banner alarm', testid: 'anomaly-alarm', role: 'alert', hidden: true },
      h('strong', {}, 'Anomaly detected'),
      this.bannerText,
    );
    this.element = h(
      'div',
      { class: 'prediction card anomaly', testid: 'anomaly' },
      h('span', { class: 'prediction-label' }, this.verdict),
      h('span', { class: 'muted' }, 'Anomaly score ', this.score, ' · threshold ', h('span', { testid: 'anomaly-threshold' }, metrics.threshold.toPrecision(4)), rate, ' · ', this.latency),
      this.bar,
      options.live ? this.chart : null,
    );
  }

  /** The banner lives outside the card (above it, where it is seen). */
  get alarmBanner(): HTMLElement {
    return this.banner;
  }

  /** Shows one score; live streams also go through the alarm. Returns the alarm state (undefined when not live). */
  show(score: number, latencyMs: number, live: boolean): AlarmState | undefined {
    const { threshold } = this.metrics;
    this.score.textContent = score.toPrecision(4);
    this.score.dataset.value = String(score);
    const above = !(score <= threshold);
    this.verdict.textContent = above ? 'Unusual' : 'Normal';
    this.verdict.dataset.anomaly = String(above);
    this.bar.value = threshold > 0 ? Math.min(2, score / threshold) : above ? 2 : 0;
    this.latency.textContent = `${latencyMs.toFixed(1)} ms`;
    if (!live) return undefined;
    this.plot(score);
    const state = this.alarm.add(score);
    this.banner.hidden = !state.alarm;
    this.banner.dataset.run = String(state.run);
    if (state.alarm) this.bannerText.textContent = ` The score has been above ${threshold.toPrecision(4)} for ${state.above ? state.run : this.alarm.raiseAfter}+ windows in a row.`;
    if (state.raised) navigator.vibrate?.([200, 100, 200]);
    return state;
  }

  reset(): void {
    this.alarm.reset();
    this.banner.hidden = true;
    this.points = 0;
  }

  /** Recent scores left to right, the threshold as a dashed line a third of the way up. */
  private plot(score: number): void {
    this.history.copyWithin(0, 1);
    this.history[CHART_POINTS - 1] = score;
    this.points = Math.min(CHART_POINTS, this.points + 1);
    const context = this.chart.getContext('2d');
    if (!context) return;
    const { width, height } = this.chart;
    const top = this.chartTop;
    const y = (value: number) => height - (Math.min(value, top) / top) * (height - 4) - 2;
    context.clearRect(0, 0, width, height);
    context.strokeStyle = '#b45309';
    context.setLineDash([4, 4]);
    context.beginPath();
    context.moveTo(0, y(this.metrics.threshold));
    context.lineTo(width, y(this.metrics.threshold));
    context.stroke();
    context.setLineDash([]);
    context.strokeStyle = '#15803d';
    context.beginPath();
    for (let i = CHART_POINTS - this.points; i < CHART_POINTS; i++) {
      const x = (i / (CHART_POINTS - 1)) * width;
      if (i === CHART_POINTS - this.points) context.moveTo(x, y(this.history[i]));
      else context.lineTo(x, y(this.history[i]));
    }
    context.stroke();
  }
}
