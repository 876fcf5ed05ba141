// Predict: loads the phone's active model (encrypted in IndexedDB; works offline) or the server's choice
// (predict/model-loader.ts, shown by predict/model-section.ts), and hands each loaded model to the modality's
// predict module (modalities/registry.ts), which feeds it from the camera, a sensor, the microphone or a form.
import type { ModelVersion } from '@offgrid/sdk';
import { describeApiError } from '../api-errors.ts';
import type { Dispose } from '../context.ts';
import { h } from '../dom.ts';
import type { ModalProject } from '../modalities/project-fields.ts';
import { PREDICT_MODULES } from '../modalities/registry.ts';
import type { ModalityContext } from '../modalities/types.ts';
import { ModelLoader } from './predict/model-loader.ts';
import { ModelSection } from './predict/model-section.ts';

export interface PredictPanelOptions extends ModalityContext {
  project: ModalProject;
}

export interface PredictPanel {
  dispose: Dispose;
  /** The tab became visible: load the phone's active model if none is loaded. */
  show(): void;
  /** The tab was left: stop live prediction. */
  hide(): void;
  /** Tells the panel a newer model was just trained. */
  offerModel(model: ModelVersion): void;
  /** Loads a model saved on the phone (the Models tab activated it). */
  useModel(modelId: string): Promise<void>;
}

export function mountPredictPanel(root: HTMLElement, options: PredictPanelOptions): PredictPanel {
  const { project } = options;
  const section = new ModelSection();
  const area = h('div', { class: 'modality-predict', testid: `predict-${project.modality}` });
  root.replaceChildren(area, ...section.elements); // the module mounts into an area already in the tab panel
  const modality = PREDICT_MODULES[project.modality](area, options, project);
  if (modality.settings) root.append(modality.settings);

  const loader = new ModelLoader(options, project.id, {
    status: (text) => section.showStatus(text),
    loaded(stored, predictor, source) {
      modality.setModel({ predictor, model: stored.model, variant: stored.variant });
      section.showLoaded(stored, predictor, source);
    },
    busy(busy) {
      section.loadButton.disabled = busy;
      modality.setLoading?.(busy);
    },
    failed: (error) => section.showStatus(`Could not load the model: ${describeApiError(error)}`),
  });
  section.loadButton.addEventListener('click', () => void loader.run((l) => l.loadServerChoice()));

  let shown = false;
  return {
    show() {
      shown = true;
      if (loader.hasModel || loader.busy) return;
      void loader.run((l) => l.loadPhoneChoice(() => shown));
    },
    hide() {
      shown = false;
      modality.hide();
    },
    offerModel(model) {
      if (loader.model?.id !== model.id) section.showOffer(model);
    },
    useModel(modelId) {
      modality.hide(); // a live camera loop stops before the switch (other modules stopped when the tab was left)
      return loader.run((l) => l.loadLocal(modelId));
    },
    dispose() {
      modality.dispose();
      loader.dispose();
    },
  };
}
