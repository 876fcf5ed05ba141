// Tabular prediction: type one row (the project's features), scaled with the model's StandardScaler
// (features' scaleFeatures, as in training), then LiteRT.js: top-k for classifiers, the anomaly score against
// the threshold for anomaly models. Predicts on "Predict" and again as the fields change once all are filled.
import { scaleFeatures } from '@offgrid/features';
import { errorMessage, h } from '../../dom.ts';
import { AnomalyView } from '../anomaly-view.ts';
import { anomalyMetrics, requirePreprocessing } from '../model-fields.ts';
import { ScoreView } from '../score-view.ts';
import type { LoadedModel, MountPredict } from '../types.ts';
import { FeatureForm } from './feature-form.ts';
import './tabular.css';

export const mountTabularPredict: MountPredict = (panel, _context, project) => {
  const form = new FeatureForm(project.featureNames ?? [], 'predict-input');
  const predictButton = h('button', { type: 'button', class: 'primary', testid: 'tabular-predict-button', disabled: true }, 'Predict');
  const view = h('div', {});
  const status = h('p', { class: 'status', testid: 'tabular-predict-status', role: 'status' }, 'Load a model below, then enter a row.');
  panel.replaceChildren(h('div', { class: 'card' }, form.element, predictButton), view, status);

  let current: { loaded: LoadedModel; scaler: { mean: number[]; std: number[] }; scores?: ScoreView; anomaly?: AnomalyView; output: Float32Array } | undefined;
  let running = false;

  async function predict(fromTyping: boolean): Promise<void> {
    if (!current || running) return;
    let row: number[];
    try {
      row = form.read();
    } catch (error) {
      if (!fromTyping) status.textContent = errorMessage(error);
      return;
    }
    running = true;
    try {
      const { loaded, scaler, scores, anomaly, output } = current;
      const input = loaded.predictor.inputBuffer as Float32Array;
      input.set(scaleFeatures(row, scaler));
      const { output: result, latencyMs } = await loaded.predictor.run(output);
      if (anomaly) anomaly.show(result[0], latencyMs, false);
      else scores!.showScores(result, loaded.model.labels, latencyMs);
      status.textContent = '';
    } catch (error) {
      status.textContent = `Prediction failed: ${errorMessage(error)}`;
    } finally {
      running = false;
    }
  }
  predictButton.addEventListener('click', () => void predict(false));
  form.onInput(() => void predict(true));

  return {
    setModel(loaded) {
      try {
        const { model, predictor } = loaded;
        const scaler = requirePreprocessing(model, 'tabular');
        const width = project.featureNames?.length ?? 0;
        if (scaler.mean.length !== width || predictor.inputSize !== width) {
          throw new Error(`Model v${model.version} takes ${predictor.inputSize} features (scaler ${scaler.mean.length}); this project has ${width}.`);
        }
        const metrics = anomalyMetrics(model, loaded.variant);
        if (project.task === 'anomaly' && !metrics) throw new Error(`Model v${model.version} has no anomaly threshold (metrics.anomaly).`);
        const scores = metrics ? undefined : new ScoreView();
        const anomaly = metrics ? new AnomalyView(metrics, { live: false }) : undefined;
        current = { loaded, scaler, scores, anomaly, output: new Float32Array(metrics ? 1 : model.labels.length) };
        view.replaceChildren((scores ?? anomaly)!.element);
        predictButton.disabled = false;
        status.textContent = '';
      } catch (error) {
        current = undefined;
        predictButton.disabled = true;
        status.textContent = `This model cannot run here: ${errorMessage(error)}`;
      }
    },
    hide() {},
    dispose() {},
  };
};
