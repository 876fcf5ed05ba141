// Live motion prediction: readings go into a ring buffer at the device's rate; every stride of the model's
// MotionSpec the newest window (features' motionWindows, as in training) goes through LiteRT.js. Classifiers
// show the top-k with confidence; anomaly models show the score against the calibrated threshold, a chart,
// and an alarm after several windows in a row above it.
import { errorMessage, h } from '../../dom.ts';
import { AnomalyView } from '../anomaly-view.ts';
import { anomalyMetrics, requirePreprocessing } from '../model-fields.ts';
import { ScoreView } from '../score-view.ts';
import type { LoadedModel, MountPredict } from '../types.ts';
import { channelsOf, readMotionEvent } from './readings.ts';
import { MotionRing } from './ring.ts';
import { NO_EVENTS_AFTER_MS, NO_EVENTS_MESSAGE, listenToMotion } from './sensor.ts';
import { MotionWindowInput, motionFeaturesFor } from './window-input.ts';

/** The fastest device rate the ring is sized for (phones deliver 50–200 Hz). */
const MAX_DEVICE_RATE_HZ = 250;

export const mountMotionPredict: MountPredict = (panel, _context, project) => {
  const liveButton = h('button', { type: 'button', class: 'primary', testid: 'motion-live-button', disabled: true, 'aria-pressed': 'false' }, 'Start live');
  const specNote = h('p', { class: 'muted', testid: 'motion-spec-note' });
  const status = h('p', { class: 'status', testid: 'motion-predict-status', role: 'status' }, 'Load a model below, then start live prediction and move the phone.');
  const view = h('div', { class: 'motion-view' });
  const alarmSlot = h('div', {});
  panel.replaceChildren(h('div', { class: 'actions' }, liveButton), alarmSlot, view, specNote, status);

  let current: { loaded: LoadedModel; scores?: ScoreView; anomaly?: AnomalyView; output: Float32Array } | undefined;
  let live = false;
  let stopListening: (() => void) | undefined;
  let noEvents: ReturnType<typeof setTimeout> | undefined;

  function setModel(loaded: LoadedModel): void {
    if (live) setLive(false);
    const { model, predictor, variant } = loaded;
    const spec = requirePreprocessing(model, 'motion');
    const metrics = anomalyMetrics(model, variant);
    if (project.task === 'anomaly' && !metrics) throw new Error(`Model v${model.version} has no anomaly threshold (metrics.anomaly).`);
    const scores = metrics ? undefined : new ScoreView();
    const anomaly = metrics ? new AnomalyView(metrics, { live: true }) : undefined;
    view.replaceChildren((scores ?? anomaly)!.element);
    alarmSlot.replaceChildren(anomaly ? anomaly.alarmBanner : '');
    current = { loaded, scores, anomaly, output: new Float32Array(metrics ? 1 : model.labels.length) };
    // A model whose input fits neither a raw window nor spectral features fails here, not on the first window.
    motionFeaturesFor(spec, predictor.inputSize);
    specNote.textContent = `Window ${spec.windowSeconds} s at ${spec.rateHz} Hz (${spec.channels.join(' ')}), a prediction every ${spec.strideSeconds} s.`;
    liveButton.disabled = false;
  }

  async function startLive(): Promise<void> {
    if (!current) throw new Error('Load a model first.');
    const { loaded, scores, anomaly, output } = current;
    const spec = requirePreprocessing(loaded.model, 'motion');
    const capacity = Math.ceil((spec.windowSeconds + 1) * MAX_DEVICE_RATE_HZ);
    let ring: MotionRing | undefined;
    let input: MotionWindowInput | undefined;
    let row = new Float32Array(0);
    let lastPredictionMs = -Infinity;
    let busy = false;
    const strideMs = spec.strideSeconds * 1000;
    anomaly?.reset();
    scores?.setLive(true);
    status.textContent = `Collecting the first ${spec.windowSeconds} s window…`;
    noEvents = setTimeout(() => {
      if (!ring || ring.size === 0) status.textContent = NO_EVENTS_MESSAGE;
    }, NO_EVENTS_AFTER_MS);

    const predict = async () => {
      busy = true;
      try {
        if (!input!.fill(ring!, loaded.predictor.inputBuffer as Float32Array)) return;
        const { output: result, latencyMs } = await loaded.predictor.run(output);
        if (!live || current?.loaded !== loaded) return;
        if (anomaly) anomaly.show(result[0], latencyMs, true);
        else {
          scores!.showScores(result, loaded.model.labels, latencyMs);
          scores!.tick();
        }
        status.textContent = '';
      } catch (error) {
        status.textContent = `Live prediction stopped: ${errorMessage(error)}`;
        setLive(false);
      } finally {
        busy = false;
      }
    };

    stopListening = await listenToMotion((event) => {
      if (!live) return;
      if (!ring) {
        const channels = channelsOf(event);
        if (!channels) return;
        try {
          // The first event tells which sensors this device has (a model trained with the gyroscope needs one).
          input = new MotionWindowInput(spec, channels, capacity, loaded.predictor.inputSize);
        } catch (error) {
          status.textContent = `Cannot predict on this device: ${errorMessage(error)}`;
          setLive(false);
          return;
        }
        ring = new MotionRing(capacity, channels.length);
        row = new Float32Array(channels.length);
      }
      if (!readMotionEvent(event, row)) return;
      ring.push(row, event.timeStamp);
      if (!busy && event.timeStamp - lastPredictionMs >= strideMs && ring.seconds >= spec.windowSeconds) {
        lastPredictionMs = event.timeStamp;
        void predict();
      }
    });
  }

  function setLive(on: boolean): void {
    live = on;
    liveButton.textContent = on ? 'Stop live' : 'Start live';
    liveButton.setAttribute('aria-pressed', String(on));
    if (on) {
      startLive().catch((error: unknown) => {
        status.textContent = `Could not start: ${errorMessage(error)}`;
        setLive(false);
      });
    } else {
      clearTimeout(noEvents);
      stopListening?.();
      stopListening = undefined;
      current?.scores?.setLive(false);
    }
  }
  liveButton.addEventListener('click', () => setLive(!live));

  return {
    setModel(loaded) {
      try {
        setModel(loaded);
      } catch (error) {
        liveButton.disabled = true;
        status.textContent = `This model cannot run on motion here: ${errorMessage(error)}`;
      }
    },
    hide() {
      if (live) setLive(false);
    },
    dispose() {
      if (live) setLive(false);
    },
  };
};
