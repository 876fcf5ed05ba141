// The image predict view's drift warning: the mean top-1 confidence of the last frames under a threshold (a
// setting kept on the phone) asks for more data, and the frame just predicted can be saved under a label.
import type { SampleQueue } from '../../context.ts';
import { errorMessage, h, percent } from '../../dom.ts';
import { DEFAULT_DRIFT_THRESHOLD, DriftMonitor } from '../../drift.ts';
import { canvasToJpeg } from '../../frame.ts';
import { getItem, setItem } from '../../storage.ts';

const DRIFT_SETTING = 'drift-threshold';

export class DriftBanner {
  readonly monitor = new DriftMonitor();
  readonly element: HTMLElement;
  /** The threshold slider, shown below the model section. */
  readonly setting: HTMLElement;
  private readonly text = h('span', { testid: 'drift-text' });
  private readonly label: HTMLSelectElement;
  private readonly save = h('button', { type: 'button', class: 'secondary', testid: 'drift-save-button' }, 'Save this frame');
  private readonly status = h('span', { class: 'muted', testid: 'drift-status', role: 'status' });
  private readonly thresholdInput = h('input', { type: 'range', min: 0.3, max: 0.95, step: 0.05, value: DEFAULT_DRIFT_THRESHOLD, testid: 'drift-threshold' });
  private readonly thresholdValue = h('span', { testid: 'drift-threshold-value' }, percent(DEFAULT_DRIFT_THRESHOLD, 0));

  constructor(labels: readonly string[], private readonly saveFrame: { canvas: HTMLCanvasElement; outbox: SampleQueue; projectId: string }) {
    this.label = h('select', { testid: 'drift-label-select', 'aria-label': 'Label for this frame' }, ...labels.map((name) => h('option', { value: name }, name)));
    this.element = h(
      'div',
      { class: 'banner warn', testid: 'drift-banner', hidden: true, role: 'alert' },
      h('strong', {}, 'The model is unsure lately.'),
      this.text,
      h('span', {}, 'Collect more examples of what the camera sees now, then retrain.'),
      h('div', { class: 'banner-actions' }, this.label, this.save),
      this.status,
    );
    this.setting = h('label', { class: 'setting' }, h('span', {}, 'Ask for more data below ', this.thresholdValue, ' average confidence'), this.thresholdInput);
    this.thresholdInput.addEventListener('input', () => {
      this.setThreshold(Number(this.thresholdInput.value));
      void setItem('settings', DRIFT_SETTING, this.monitor.threshold);
    });
    this.save.addEventListener('click', () => void this.saveLastFrame());
    void getItem<number>('settings', DRIFT_SETTING).then((saved) => {
      if (saved !== undefined) this.setThreshold(saved);
    });
  }

  /** One more frame's top-1 confidence. */
  add(confidence: number): void {
    this.monitor.add(confidence);
    this.show();
  }

  /** A new model: its frames start a new average. */
  reset(): void {
    this.monitor.reset();
    this.show();
  }

  private setThreshold(value: number): void {
    this.monitor.threshold = value;
    this.thresholdInput.value = String(value);
    this.thresholdValue.textContent = percent(value, 0);
    this.show();
  }

  private show(): void {
    const state = this.monitor.state();
    this.element.hidden = !state.drifting;
    this.text.textContent = Number.isNaN(state.mean) ? '' : ` Average confidence ${percent(state.mean, 0)} over the last ${state.count} frames (alert below ${percent(state.threshold, 0)}).`;
    this.element.dataset.mean = Number.isNaN(state.mean) ? '' : state.mean.toFixed(3);
  }

  private async saveLastFrame(): Promise<void> {
    const chosen = this.label.value;
    try {
      // toBlob snapshots the canvas now: the frame that was just predicted with low confidence.
      const jpeg = await canvasToJpeg(this.saveFrame.canvas);
      await this.saveFrame.outbox.add({ projectId: this.saveFrame.projectId, label: chosen, data: jpeg });
      this.status.textContent = `Saved as “${chosen}”. It uploads with your other captures.`;
    } catch (error) {
      this.status.textContent = `Could not save the frame: ${errorMessage(error)}`;
    }
  }
}
