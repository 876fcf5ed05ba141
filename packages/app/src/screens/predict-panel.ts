// Predict: loads the phone's active model (encrypted in IndexedDB; works offline) or the server's choice, and
// runs it. Images: on the camera, once or live (FPS, latency, top-3), watching confidence for drift and saving
// low-confidence frames to the outbox. Other modalities: the model goes to the modality's predict module
// (modalities/registry.ts), which feeds it from its own sensor, microphone or form.
import type { ModelVersion } from '@offgrid/sdk';
import { OffgridApiError } from '@offgrid/sdk';
import { describeApiError } from '../api-errors.ts';
import { LOW_BATTERY_FRAME_INTERVAL_MS } from '../battery.ts';
import type { AppServices, Dispose } from '../context.ts';
import { errorMessage, h, percent } from '../dom.ts';
import { DEFAULT_DRIFT_THRESHOLD, DriftMonitor } from '../drift.ts';
import { FrameGrabber, canvasToJpeg } from '../frame.ts';
import { getActiveModelId, listStoredModels, loadModelBytes, setActiveModelId } from '../device/model-store.ts';
import type { StoredModel } from '../device/model-store.ts';
import { downloadToPhone } from '../device/model-sync.ts';
import { accuracyOf } from '../training/sample-counts.ts';
import { Predictor } from '../device/predictor.ts';
import type { Accelerator } from '../device/predictor.ts';
import { anomalyMetrics, imageSpecOf } from '../modalities/model-fields.ts';
import type { ModalProject } from '../modalities/project-fields.ts';
import { PREDICT_MODULES } from '../modalities/registry.ts';
import { ScoreView } from '../modalities/score-view.ts';
import type { PredictModule } from '../modalities/types.ts';
import { FramePreprocessor } from '../device/preprocess.ts';
import { getItem, setItem } from '../storage.ts';

const ACCELERATOR_DETAIL: Record<Accelerator, string> = { webnn: '(WebNN: the phone’s NPU or GPU)', webgpu: '(WebGPU: the GPU)', wasm: '(CPU, XNNPACK)' };
const DRIFT_SETTING = 'drift-threshold';

export interface PredictPanelOptions extends AppServices {
  project: ModalProject;
  video: HTMLVideoElement;
}

export interface PredictPanel {
  dispose: Dispose;
  /** The tab became visible: load the phone's active model if none is loaded. */
  show(): void;
  /** The tab was left: stop the live loop. */
  hide(): void;
  /** Tells the panel a newer model was just trained. */
  offerModel(model: ModelVersion): void;
  /** Loads a model saved on the phone (the Models tab activated it). */
  useModel(modelId: string): Promise<void>;
}

export function mountPredictPanel(root: HTMLElement, options: PredictPanelOptions): PredictPanel {
  const { client, project, video, outbox, battery, reachability } = options;
  const controller = new AbortController();
  let predictor: Predictor | undefined;
  let loaded: StoredModel | undefined;
  let disposed = false;
  let busy = false;
  let live = false;
  let shown = false;
  const drift = new DriftMonitor();
  const grabber = new FrameGrabber();
  let preprocessor: FramePreprocessor | undefined;
  let scores = new Float32Array(0);

  const modelStatus = h('p', { class: 'status', testid: 'model-status', role: 'status' }, 'No model on this phone yet. Train one, then load it here.');
  const loadButton = h('button', { type: 'button', class: 'secondary', testid: 'model-load-button' }, 'Load the server’s model');
  /** Which version runs and why: the server's active one (pinned or not), or this phone's own choice. */
  const modelSource = h('p', { class: 'muted source', testid: 'model-source', hidden: true });
  const accelerator = h('span', { testid: 'model-accelerator' }, '—');
  const acceleratorDetail = h('span', {});
  const acceleratorNote = h('p', { class: 'muted note-small', testid: 'model-accelerator-note', hidden: true }, 'Runs on ', accelerator, acceleratorDetail);
  const predictButton = h('button', { type: 'button', class: 'primary', testid: 'predict-button', disabled: true }, 'Predict');
  const liveButton = h('button', { type: 'button', class: 'secondary', testid: 'live-button', disabled: true, 'aria-pressed': 'false' }, 'Start live');
  const scoreView = new ScoreView('fps');
  const predictStatus = h('p', { class: 'status', testid: 'predict-status', role: 'status' });
  const throttleNote = h('p', { class: 'note warn', testid: 'predict-throttle', hidden: true }, `Battery low: live prediction slowed to ${1000 / LOW_BATTERY_FRAME_INTERVAL_MS} frames per second.`);

  const driftText = h('span', { testid: 'drift-text' });
  const driftLabel = h('select', { testid: 'drift-label-select', 'aria-label': 'Label for this frame' }, ...project.labels.map((name) => h('option', { value: name }, name)));
  const driftSave = h('button', { type: 'button', class: 'secondary', testid: 'drift-save-button' }, 'Save this frame');
  const driftStatus = h('span', { class: 'muted', testid: 'drift-status', role: 'status' });
  const driftBanner = h(
    'div',
    { class: 'banner warn', testid: 'drift-banner', hidden: true, role: 'alert' },
    h('strong', {}, 'The model is unsure lately.'),
    driftText,
    h('span', {}, 'Collect more examples of what the camera sees now, then retrain.'),
    h('div', { class: 'banner-actions' }, driftLabel, driftSave),
    driftStatus,
  );
  const thresholdInput = h('input', { type: 'range', min: 0.3, max: 0.95, step: 0.05, value: DEFAULT_DRIFT_THRESHOLD, testid: 'drift-threshold' });
  const thresholdValue = h('span', { testid: 'drift-threshold-value' }, percent(DEFAULT_DRIFT_THRESHOLD, 0));

  const modelSection = [modelStatus, modelSource, h('div', { class: 'actions model-actions' }, loadButton), acceleratorNote];
  let modality: PredictModule | undefined;
  if (project.modality === 'image') {
    root.replaceChildren(
      h('div', { class: 'actions' }, predictButton, liveButton),
      scoreView.element,
      throttleNote,
      driftBanner,
      predictStatus,
      ...modelSection,
      h('label', { class: 'setting' }, h('span', {}, 'Ask for more data below ', thresholdValue, ' average confidence'), thresholdInput),
    );
  } else {
    const area = h('div', { class: 'modality-predict', testid: `predict-${project.modality}` });
    root.replaceChildren(area, ...modelSection);
    modality = PREDICT_MODULES[project.modality](area, options, project);
  }

  void getItem<number>('settings', DRIFT_SETTING).then((saved) => {
    if (saved !== undefined) setThreshold(saved);
  });
  function setThreshold(value: number) {
    drift.threshold = value;
    thresholdInput.value = String(value);
    thresholdValue.textContent = percent(value, 0);
    showDrift();
  }
  thresholdInput.addEventListener('input', () => {
    setThreshold(Number(thresholdInput.value));
    void setItem('settings', DRIFT_SETTING, drift.threshold);
  });

  const setReady = (ready: boolean) => {
    predictButton.disabled = !ready;
    liveButton.disabled = !ready;
  };

  type Source = { kind: 'server'; pinned: boolean } | { kind: 'phone'; offline: boolean };
  function showSource(source: Source, version: number) {
    modelSource.hidden = false;
    modelSource.dataset.source = source.kind;
    modelSource.textContent =
      source.kind === 'server'
        ? `v${version} is the version the server has active${source.pinned ? ' (pinned)' : ' (its newest result)'}.`
        : source.offline
          ? `Server offline: using v${version}, the version chosen on this phone.`
          : `Using v${version}, the version chosen on this phone (Models tab).`;
  }

  async function loadLocal(modelId: string, source: Source = { kind: 'phone', offline: reachability.state === 'offline' }): Promise<void> {
    const { stored, bytes } = await loadModelBytes(modelId);
    if (disposed) return;
    modelStatus.textContent = `Starting LiteRT.js for model v${stored.model.version}…`;
    const next = await Predictor.load(bytes, stored.model.input, stored.choice?.accelerator);
    if (disposed) return next.dispose();
    predictor?.dispose();
    predictor = next;
    loaded = stored;
    if (modality) modality.setModel({ predictor: next, model: stored.model, variant: stored.variant });
    else preprocessor = new FramePreprocessor(grabber.size, imageSpecOf(stored.model));
    scores = new Float32Array(stored.model.labels.length);
    drift.reset();
    showDrift();
    accelerator.textContent = next.accelerator;
    acceleratorDetail.textContent = ` ${ACCELERATOR_DETAIL[next.accelerator]}.${next.fallbacks.length > 0 ? ` Not used: ${next.fallbacks.join('; ')}.` : ''}`;
    acceleratorNote.hidden = false;
    const anomaly = anomalyMetrics(stored.model, stored.variant);
    const quality = anomaly ? `anomaly threshold ${anomaly.threshold.toPrecision(4)}` : `val accuracy ${accuracyOf(stored.model.metrics.valAccuracy, stored.model.metrics.valSamples)}`;
    modelStatus.textContent = `Model v${stored.model.version} ready (${stored.variant} on ${next.accelerator}) · ${quality}`;
    modelStatus.dataset.variant = stored.variant;
    modelStatus.dataset.modelId = stored.model.id;
    showSource(source, stored.model.version);
    setReady(true);
  }

  /**
   * The version the server has active (pinned or its newest result) onto the phone and made the phone's choice;
   * with the server offline, the phone's own choice (else its newest saved version).
   */
  async function loadServerChoice(): Promise<void> {
    modelStatus.textContent = 'Asking the server which model is active…';
    let chosen: ModelVersion | undefined;
    let pinned: boolean;
    try {
      const [models, current] = await Promise.all([
        client.listModels(project.id, { signal: controller.signal }),
        client.getProject(project.id, { signal: controller.signal }),
      ]);
      chosen = models.find((m) => m.active) ?? models.find((m) => m.id === current.activeModelId) ?? models[0];
      pinned = current.modelPinned === true && chosen?.id === current.activeModelId;
    } catch (error) {
      if (!(error instanceof OffgridApiError && error.status === 0)) throw error;
      reachability.report(false);
      const local = (await getActiveModelId(project.id)) ?? (await listStoredModels(project.id))[0]?.model.id;
      if (!local) throw new Error('No model is saved on this phone and the server is offline. Load one while connected.', { cause: error });
      return loadLocal(local, { kind: 'phone', offline: true });
    }
    if (!chosen) throw new Error('This project has no model yet. Train one first.');
    const target = chosen;
    const saved = (await listStoredModels(project.id)).some((s) => s.model.id === target.id);
    if (!saved) {
      await downloadToPhone(client, target, controller.signal, (step) => { modelStatus.textContent = step; });
    }
    await setActiveModelId(project.id, target.id);
    await loadLocal(target.id, { kind: 'server', pinned });
  }

  /** Model loads run one after another (a tap during the automatic load waits for it). */
  let queue = Promise.resolve();
  function guarded(action: () => Promise<void>): Promise<void> {
    queue = queue.then(async () => {
      if (disposed) return;
      busy = true;
      loadButton.disabled = true;
      setReady(false);
      try {
        await action();
      } catch (error) {
        if (!disposed) modelStatus.textContent = `Could not load the model: ${describeApiError(error)}`;
      } finally {
        busy = false;
        loadButton.disabled = false;
        setReady(predictor !== undefined && !live);
        liveButton.disabled = predictor === undefined;
      }
    });
    return queue;
  }

  loadButton.addEventListener('click', () => void guarded(loadServerChoice));

  /** One frame through the model; returns the top-1 confidence. */
  async function runFrame(): Promise<number> {
    if (!predictor || !loaded || !preprocessor) throw new Error('Load a model first.');
    const input = preprocessor.run(grabber.grab(video));
    const { output, latencyMs } = await predictor.predictInto(input, scores);
    const top = scoreView.showScores(output, loaded.model.labels, latencyMs);
    predictStatus.textContent = '';
    return top;
  }

  predictButton.addEventListener('click', async () => {
    try {
      await runFrame();
    } catch (error) {
      predictStatus.textContent = `Prediction failed: ${errorMessage(error)}`;
    }
  });

  function showDrift() {
    const state = drift.state();
    driftBanner.hidden = !state.drifting;
    driftText.textContent = Number.isNaN(state.mean) ? '' : ` Average confidence ${percent(state.mean, 0)} over the last ${state.count} frames (alert below ${percent(state.threshold, 0)}).`;
    driftBanner.dataset.mean = Number.isNaN(state.mean) ? '' : state.mean.toFixed(3);
  }

  driftSave.addEventListener('click', async () => {
    const chosen = driftLabel.value;
    try {
      // toBlob snapshots the canvas now: the frame that was just predicted with low confidence.
      const jpeg = await canvasToJpeg(grabber.canvas);
      await outbox.add({ projectId: project.id, label: chosen, data: jpeg });
      driftStatus.textContent = `Saved as “${chosen}”. It uploads with your other captures.`;
    } catch (error) {
      driftStatus.textContent = `Could not save the frame: ${errorMessage(error)}`;
    }
  });

  const setLive = (on: boolean) => {
    live = on;
    liveButton.textContent = on ? 'Stop live' : 'Start live';
    liveButton.setAttribute('aria-pressed', String(on));
    predictButton.disabled = on || !predictor;
    scoreView.setLive(on);
    if (on) void liveLoop();
    else {
      throttleNote.hidden = true;
    }
  };
  liveButton.addEventListener('click', () => setLive(!live));

  async function liveLoop(): Promise<void> {
    while (live && !disposed) {
      const throttled = battery.state.low;
      throttleNote.hidden = !throttled;
      const frameStarted = performance.now();
      try {
        const top = await runFrame();
        drift.add(top);
        showDrift();
      } catch (error) {
        predictStatus.textContent = `Live prediction stopped: ${errorMessage(error)}`;
        setLive(false);
        return;
      }
      const minInterval = throttled ? LOW_BATTERY_FRAME_INTERVAL_MS : 0;
      const wait = minInterval - (performance.now() - frameStarted);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      await new Promise((resolve) => requestAnimationFrame(resolve));
      scoreView.tick();
    }
  }

  return {
    show() {
      shown = true;
      if (predictor || busy) return;
      void guarded(async () => {
        const active = await getActiveModelId(project.id);
        if (active && shown) await loadLocal(active);
        else {
          const saved = await listStoredModels(project.id);
          if (saved.length > 0) modelStatus.textContent = `Model v${saved[0].model.version} is saved on this phone. Use it from the Models tab, or tap “Load the server’s model”.`;
        }
      });
    },
    hide() {
      shown = false;
      if (live) setLive(false);
      modality?.hide();
    },
    offerModel(model) {
      if (loaded?.model.id === model.id) return;
      modelStatus.textContent = model.active
        ? `New model v${model.version} trained and active on the server. Tap “Load the server’s model”.`
        : `New model v${model.version} trained; the server keeps another version pinned. Try v${model.version} from the Models tab.`;
    },
    useModel(modelId) {
      if (live) setLive(false);
      return guarded(() => loadLocal(modelId));
    },
    dispose() {
      disposed = true;
      live = false;
      controller.abort();
      modality?.dispose();
      predictor?.dispose();
    },
  };
}
