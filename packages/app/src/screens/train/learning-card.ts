// "Learn on this phone" (Train tab): how many samples the phone holds for the project, the battery level below
// which it does not learn (unless charging), and Personalize: the head of the version Predict uses is trained on
// those samples in the background (device/learning/personalize.ts); the Models tab then shows it as personalized.
import type { BatteryMonitor } from '../../battery.ts';
import type { Dispose, SampleQueue } from '../../context.ts';
import { h } from '../../dom.ts';
import { samplesOnPhone } from '../../device/learning/prepare.ts';
import { personalize, MIN_SAMPLES } from '../../device/learning/personalize.ts';
import { learningMinLevel, setLearningMinLevel } from '../../device/learning/policy.ts';
import { onLocalSamplesChanged } from '../../device/local-samples.ts';
import { getActiveModelId, getStoredModel } from '../../device/model-store.ts';
import type { ModalProject } from '../../modalities/project-fields.ts';
import type { OffgridClient } from '@offgrid/sdk';
import { runLearning, runView } from './learning-run.ts';

export interface LearningCardOptions {
  client: OffgridClient;
  outbox: SampleQueue;
  battery: BatteryMonitor;
  project: ModalProject;
  /** A personalized head was saved for this version: Predict reloads it, Models shows it. */
  onPersonalized(modelId: string): void;
}

const LEVELS = [0.2, 0.5, 0.8];

export function mountLearningCard(root: HTMLElement, options: LearningCardOptions): Dispose {
  const { project } = options;
  const controller = new AbortController();
  const held = h('p', { class: 'muted', testid: 'learning-samples' });
  const level = h('select', { testid: 'learning-battery-select', 'aria-label': 'Lowest battery level for learning' },
    ...LEVELS.map((share) => h('option', { value: String(share) }, `${Math.round(share * 100)} %`)));
  const button = h('button', { type: 'button', class: 'primary', testid: 'learning-start-button' }, 'Personalize on this phone');
  const view = runView('learning');
  root.replaceChildren(h('div', { class: 'card learning-card', testid: 'learning-card' },
    h('h2', {}, 'Learn on this phone'),
    h('p', { class: 'muted' }, 'Trains the model’s last layer on the samples this phone holds; they stay here. Runs while the app is open, and only while charging or above:'),
    level, held, button, view.progress, view.cancelButton, view.status));

  void learningMinLevel().then((share) => { level.value = String(LEVELS.includes(share) ? share : 0.5); });
  level.addEventListener('change', () => void setLearningMinLevel(Number(level.value)).catch((error: unknown) => {
    view.status.textContent = `Could not save the battery level: ${String(error)}`;
  }));

  const count = async () => {
    const samples = await samplesOnPhone(project.id, options.outbox);
    const byLabel = project.labels.map((label) => `${label} ${samples.filter((s) => s.label === label).length}`).join(' · ');
    held.textContent = `Samples on this phone: ${samples.length} (${byLabel}).`;
    held.dataset.count = String(samples.length);
  };
  const recount = () => void count().catch((error: unknown) => { held.textContent = `Cannot read the samples on this phone: ${String(error)}`; });
  const stopWatching = onLocalSamplesChanged((projectId) => { if (projectId === project.id) recount(); });
  recount();

  button.addEventListener('click', async () => {
    button.disabled = true;
    delete view.status.dataset.state; // the last run's outcome is not this one's
    try {
      const modelId = await getActiveModelId(project.id);
      const stored = modelId ? await getStoredModel(modelId) : undefined;
      if (!stored) {
        view.status.textContent = 'No model on this phone yet: load one on the Predict tab (or download it on Models) first.';
        return;
      }
      const samples = await samplesOnPhone(project.id, options.outbox);
      if (samples.length < MIN_SAMPLES) {
        view.status.textContent = `This phone holds ${samples.length} sample(s) of this project; capture at least ${MIN_SAMPLES}.`;
        return;
      }
      const info = await runLearning(view, options.battery, controller.signal, (signal, onProgress) => personalize(options.client, stored, samples, { signal, onProgress }));
      if (!info) return;
      const accuracy = info.accuracy === undefined ? '' : ` Held-out accuracy ${(info.accuracy * 100).toFixed(1)} % (the version's own head: ${((info.baseAccuracy ?? 0) * 100).toFixed(1)} %).`;
      view.status.textContent = `v${info.version} is personalized on this phone with ${info.trainSamples} samples.${accuracy}`;
      options.onPersonalized(info.modelId);
    } catch (error) {
      view.status.textContent = `Could not start learning: ${String(error)}`;
    } finally {
      button.disabled = false;
    }
  });

  return () => {
    controller.abort();
    stopWatching();
  };
}
