// Predict: fetch the newest model (sha256-verified), keep it on the phone, run it on the live camera frame.
import { preprocessImage, rgbaToRgb } from '@offgrid/features';
import type { ModelVersion, OffgridClient, Project } from '@offgrid/sdk';
import { describeApiError } from '../api-errors.ts';
import type { Dispose } from '../context.ts';
import { errorMessage, h, percent } from '../dom.ts';
import { canvasPixels, grabSquareFrame } from '../frame.ts';
import { loadStoredModel, saveStoredModel } from '../model-store.ts';
import type { StoredModel } from '../model-store.ts';
import { Predictor } from '../predictor.ts';
import { toProbabilities, topPrediction } from '../probabilities.ts';

export interface PredictPanelOptions {
  client: OffgridClient;
  project: Project;
  video: HTMLVideoElement;
}

export interface PredictPanel {
  dispose: Dispose;
  /** Tells the panel a newer model was just trained. */
  offerModel(model: ModelVersion): void;
}

export function mountPredictPanel(root: HTMLElement, { client, project, video }: PredictPanelOptions): PredictPanel {
  const controller = new AbortController();
  let predictor: Predictor | undefined;
  let loaded: StoredModel | undefined;
  let disposed = false;

  const modelStatus = h('p', { class: 'status', testid: 'model-status', role: 'status' }, 'No model on this phone yet. Train one, then load it here.');
  const loadButton = h('button', { type: 'button', class: 'secondary', testid: 'model-load-button' }, 'Load newest model');
  const accelerator = h('span', { testid: 'model-accelerator' }, '—');
  const predictButton = h('button', { type: 'button', class: 'primary', testid: 'predict-button', disabled: true }, 'Predict');
  const label = h('span', { class: 'prediction-label', testid: 'predict-label' }, '—');
  const confidence = h('span', { testid: 'predict-confidence' }, '—');
  const latency = h('span', { testid: 'predict-latency' }, '—');
  const scores = h('ul', { class: 'scores', testid: 'predict-scores' });
  const predictStatus = h('p', { class: 'status', testid: 'predict-status', role: 'status' });

  root.replaceChildren(
    predictButton,
    h(
      'div',
      { class: 'prediction card' },
      label,
      h('span', { class: 'muted' }, 'Confidence ', confidence, ' · Latency ', latency),
      scores,
    ),
    predictStatus,
    modelStatus,
    h('div', { class: 'actions model-actions' }, loadButton, h('span', { class: 'muted' }, 'Runtime: ', accelerator)),
  );

  loadStoredModel(project.id)
    .then((stored) => {
      if (stored && !predictor && !disposed) modelStatus.textContent = `Model v${stored.model.version} is saved on this phone. Tap “Load newest model”.`;
    })
    .catch(() => undefined);

  const loadNewest = async () => {
    loadButton.disabled = true;
    predictButton.disabled = true;
    try {
      modelStatus.textContent = 'Looking for the newest model…';
      const stored = await newestModelBytes(client, project.id, controller.signal, (text) => (modelStatus.textContent = text));
      if (disposed) return;
      modelStatus.textContent = `Starting LiteRT.js for model v${stored.model.version}…`;
      const next = await Predictor.load(stored.bytes, stored.model.input);
      if (disposed) return next.dispose();
      predictor?.dispose();
      predictor = next;
      loaded = stored;
      accelerator.textContent = next.accelerator;
      modelStatus.textContent = `Model v${stored.model.version} ready (${next.accelerator}) · val accuracy ${percent(stored.model.metrics.valAccuracy)}`;
      modelStatus.dataset.modelId = stored.model.id;
      predictButton.disabled = false;
    } catch (error) {
      if (!disposed) modelStatus.textContent = `Could not load the model: ${describeApiError(error)}`;
      predictButton.disabled = predictor === undefined;
    } finally {
      loadButton.disabled = false;
    }
  };
  loadButton.addEventListener('click', () => void loadNewest());

  predictButton.addEventListener('click', async () => {
    if (!predictor || !loaded) return;
    try {
      const started = performance.now();
      const pixels = canvasPixels(grabSquareFrame(video));
      const input = preprocessImage(rgbaToRgb(pixels.data, pixels.width, pixels.height), predictor.input);
      const { output, latencyMs } = await predictor.predict(input);
      const probabilities = toProbabilities(output);
      const top = topPrediction(probabilities, loaded.model.labels);
      label.textContent = top.label;
      confidence.textContent = percent(top.confidence);
      latency.textContent = `${latencyMs.toFixed(1)} ms`;
      latency.title = `inference ${latencyMs.toFixed(1)} ms, with capture and preprocessing ${(performance.now() - started).toFixed(1)} ms`;
      scores.replaceChildren(
        ...loaded.model.labels.map((name, i) =>
          h('li', {}, h('span', {}, name), h('meter', { min: 0, max: 1, value: probabilities[i] ?? 0 }), h('span', {}, percent(probabilities[i], 0))),
        ),
      );
      predictStatus.textContent = '';
    } catch (error) {
      predictStatus.textContent = `Prediction failed: ${errorMessage(error)}`;
    }
  });

  return {
    offerModel(model) {
      if (loaded?.model.id !== model.id) modelStatus.textContent = `New model v${model.version} trained. Tap “Load newest model”.`;
    },
    dispose() {
      disposed = true;
      controller.abort();
      predictor?.dispose();
    },
  };
}

/** The newest model's bytes: from the phone if already saved, else downloaded, verified and saved. */
async function newestModelBytes(
  client: OffgridClient,
  projectId: string,
  signal: AbortSignal,
  report: (text: string) => void,
): Promise<StoredModel> {
  const stored = await loadStoredModel(projectId);
  let newest: ModelVersion | undefined;
  try {
    newest = (await client.listModels(projectId, { signal }))[0];
  } catch (error) {
    if (stored) return stored; // offline: keep predicting with what the phone has
    throw error;
  }
  if (!newest) throw new Error('This project has no model yet. Train one first.');
  if (stored?.model.id === newest.id) return stored;
  report(`Downloading model v${newest.version}…`);
  const download = await client.downloadModel(newest.id, 'float32', { signal });
  const next: StoredModel = { model: newest, variant: 'float32', sha256: download.sha256, bytes: download.bytes, savedAt: new Date().toISOString() };
  await saveStoredModel(next);
  return next;
}
