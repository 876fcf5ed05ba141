// Image prediction on the shared camera preview: once ("Predict") or live (FPS, latency, top-3), the frame cut and
// scaled as captures are, then the model's own normalization (device/preprocess.ts). Live prediction slows on a low
// battery and watches confidence for drift (drift-banner.ts).
import { LOW_BATTERY_FRAME_INTERVAL_MS } from '../../battery.ts';
import { FramePreprocessor } from '../../device/preprocess.ts';
import { errorMessage, h } from '../../dom.ts';
import { FrameGrabber } from '../../frame.ts';
import { imageSpecOf } from '../model-fields.ts';
import { ScoreView } from '../score-view.ts';
import type { LoadedModel, ModalityContext, MountPredict, PredictModule } from '../types.ts';
import type { ModalProject } from '../project-fields.ts';
import { DriftBanner } from './drift-banner.ts';

/** The buttons, the prediction card and the notes; no state. */
function imagePredictView(scoreView: ScoreView, drift: DriftBanner) {
  const predictButton = h('button', { type: 'button', class: 'primary', testid: 'predict-button', disabled: true }, 'Predict');
  const liveButton = h('button', { type: 'button', class: 'secondary', testid: 'live-button', disabled: true, 'aria-pressed': 'false' }, 'Start live');
  const status = h('p', { class: 'status', testid: 'predict-status', role: 'status' });
  const throttleNote = h('p', { class: 'note warn', testid: 'predict-throttle', hidden: true }, `Battery low: live prediction slowed to ${1000 / LOW_BATTERY_FRAME_INTERVAL_MS} frames per second.`);
  const elements = [h('div', { class: 'actions' }, predictButton, liveButton), scoreView.element, throttleNote, drift.element, status];
  return { predictButton, liveButton, status, throttleNote, elements };
}

class ImagePredict implements PredictModule {
  private readonly grabber = new FrameGrabber();
  private readonly scoreView = new ScoreView('fps');
  private readonly drift: DriftBanner;
  private readonly view: ReturnType<typeof imagePredictView>;
  private current?: { loaded: LoadedModel; preprocessor: FramePreprocessor; scores: Float32Array };
  private loading = false;
  private live = false;
  private disposed = false;

  constructor(panel: HTMLElement, private readonly context: ModalityContext, project: ModalProject) {
    this.drift = new DriftBanner(project.labels, { canvas: this.grabber.canvas, outbox: context.outbox, projectId: project.id });
    this.view = imagePredictView(this.scoreView, this.drift);
    panel.replaceChildren(...this.view.elements);
    this.view.predictButton.addEventListener('click', () => void this.predictOnce());
    this.view.liveButton.addEventListener('click', () => this.setLive(!this.live));
  }

  get settings(): HTMLElement {
    return this.drift.setting;
  }

  setModel(loaded: LoadedModel): void {
    const preprocessor = new FramePreprocessor(this.grabber.size, imageSpecOf(loaded.model));
    this.current = { loaded, preprocessor, scores: new Float32Array(loaded.model.labels.length) };
    this.drift.reset();
  }

  setLoading(loading: boolean): void {
    this.loading = loading;
    this.showButtons();
  }

  hide(): void {
    if (this.live) this.setLive(false);
  }

  dispose(): void {
    this.disposed = true;
    this.live = false;
  }

  private showButtons(): void {
    // While a model loads neither button works; then Predict needs a model and live off, Live needs a model.
    this.view.predictButton.disabled = this.loading || !this.current || this.live;
    this.view.liveButton.disabled = this.loading || !this.current;
  }

  /** One frame through the model; returns the top-1 confidence. */
  private async runFrame(): Promise<number> {
    if (!this.current) throw new Error('Load a model first.');
    const { loaded, preprocessor, scores } = this.current;
    const input = preprocessor.run(this.grabber.grab(this.context.video));
    const { output, latencyMs } = await loaded.predictor.predictInto(input, scores);
    const top = this.scoreView.showScores(output, loaded.model.labels, latencyMs);
    this.view.status.textContent = '';
    return top;
  }

  private async predictOnce(): Promise<void> {
    try {
      await this.runFrame();
    } catch (error) {
      this.view.status.textContent = `Prediction failed: ${errorMessage(error)}`;
    }
  }

  private setLive(on: boolean): void {
    this.live = on;
    this.view.liveButton.textContent = on ? 'Stop live' : 'Start live';
    this.view.liveButton.setAttribute('aria-pressed', String(on));
    this.view.predictButton.disabled = on || !this.current;
    this.scoreView.setLive(on);
    if (on) void this.liveLoop();
    else this.view.throttleNote.hidden = true;
  }

  private async liveLoop(): Promise<void> {
    while (this.live && !this.disposed) {
      const throttled = this.context.battery.state.low;
      this.view.throttleNote.hidden = !throttled;
      const frameStarted = performance.now();
      try {
        this.drift.add(await this.runFrame());
      } catch (error) {
        this.view.status.textContent = `Live prediction stopped: ${errorMessage(error)}`;
        this.setLive(false);
        return;
      }
      const minInterval = throttled ? LOW_BATTERY_FRAME_INTERVAL_MS : 0;
      const wait = minInterval - (performance.now() - frameStarted);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      await new Promise((resolve) => requestAnimationFrame(resolve));
      this.scoreView.tick();
    }
  }
}

export const mountImagePredict: MountPredict = (panel, context, project) => new ImagePredict(panel, context, project);
