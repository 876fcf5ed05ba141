// The microphone level bar shown while the microphone is on (capture and prediction): the user sees that the
// phone hears the sound before recording it.
import { h } from '../../dom.ts';
import { meterFraction, rmsDecibels } from './level.ts';

export class LevelMeter {
  readonly element: HTMLElement;
  private readonly meter: HTMLMeterElement;
  private readonly value: HTMLElement;

  constructor(testid: string) {
    this.meter = h('meter', { min: 0, max: 1, low: 0.15, high: 0.9, optimum: 0.5, value: 0, testid, 'aria-label': 'Microphone level' });
    this.value = h('span', { class: 'level-value muted', testid: `${testid}-db` }, '—');
    this.element = h('div', { class: 'level' }, h('span', { class: 'muted' }, 'Level'), this.meter, this.value);
  }

  show(chunk: Float32Array): void {
    const decibels = rmsDecibels(chunk);
    this.meter.value = meterFraction(decibels);
    this.meter.dataset.db = Number.isFinite(decibels) ? decibels.toFixed(1) : '-Infinity';
    this.value.textContent = Number.isFinite(decibels) ? `${decibels.toFixed(0)} dB` : 'silent';
  }

  reset(): void {
    this.meter.value = 0;
    delete this.meter.dataset.db;
    this.value.textContent = '—';
  }
}
