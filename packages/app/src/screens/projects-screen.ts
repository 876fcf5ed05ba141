// Projects: list them, open one, create one: a name, what a sample is (modality), classify or detect anomalies
// (motion and tabular), the labels, the feature columns (tabular) and optional settings.
import { ANOMALY_MODALITIES, MODALITIES, NORMAL_LABEL, type Modality, type Task } from '@offgrid/features';
import type { Project } from '@offgrid/sdk';
import type { AppContext, Dispose } from '../context.ts';
import { errorMessage, h } from '../dom.ts';
import { describeApiError } from '../api-errors.ts';
import { MODALITY_TITLES, newProjectInput } from '../modalities/new-project.ts';
import { modalProject } from '../modalities/project-fields.ts';
import { cachedProjects, rememberProjects } from '../projects-cache.ts';
import { OffgridApiError } from '@offgrid/sdk';

export function renderProjectsScreen(root: HTMLElement, context: AppContext): Dispose {
  const list = h('ul', { class: 'project-list', testid: 'project-list' });
  const empty = h('p', { class: 'muted', testid: 'projects-empty', hidden: true }, 'No projects yet. Create one below.');
  const status = h('p', { class: 'status', testid: 'projects-status', role: 'status' }, 'Loading projects…');
  const nameInput = h('input', { testid: 'project-name-input', name: 'name', required: true, maxlength: 100, placeholder: 'e.g. Fruit', autocomplete: 'off' });
  const labelsInput = h('input', { testid: 'project-labels-input', name: 'labels', placeholder: 'e.g. apple, banana, orange', autocomplete: 'off', autocapitalize: 'none' });
  const modalitySelect = h('select', { testid: 'project-modality-select', name: 'modality' }, ...MODALITIES.map((m) => h('option', { value: m }, MODALITY_TITLES[m])));
  const taskSelect = h(
    'select',
    { testid: 'project-task-select', name: 'task' },
    h('option', { value: 'classify' }, 'Tell labels apart (classify)'),
    h('option', { value: 'anomaly' }, 'Spot the unusual (anomaly detection)'),
  );
  const taskField = h('label', { hidden: true }, 'Goal', taskSelect);
  const labelsTitle = h('span', {}, '');
  const featuresInput = h('input', { testid: 'project-features-input', name: 'featureNames', placeholder: 'e.g. temperature, rpm, current', autocomplete: 'off', autocapitalize: 'none' });
  const featuresField = h('label', { hidden: true }, 'Feature columns (the numbers of one example), comma-separated', featuresInput);
  const setting = (testid: string, placeholder: string) => h('input', { testid, inputmode: 'decimal', autocomplete: 'off', placeholder });
  const motionRate = setting('setting-motion-rate', '50'), motionWindow = setting('setting-motion-window', '2'), motionStride = setting('setting-motion-stride', '1');
  const audioClip = setting('setting-audio-clip', '1');
  const textSeq = setting('setting-text-seq', '64');
  const falseAlarm = setting('setting-false-alarm', '1');
  const motionSettings = h('div', { class: 'form-row settings-motion' }, h('label', {}, 'Rate (Hz)', motionRate), h('label', {}, 'Window (s)', motionWindow), h('label', {}, 'Stride (s)', motionStride));
  const audioSettings = h('label', {}, 'Clip length (s)', audioClip);
  const textSettings = h('label', {}, 'Words per text the model reads', textSeq);
  const anomalySettings = h('label', {}, 'False alarms allowed on normal data (%)', falseAlarm);
  const settings = h(
    'details',
    { class: 'settings', testid: 'project-settings' },
    h('summary', {}, 'Settings (optional; empty = defaults)'),
    motionSettings,
    audioSettings,
    textSettings,
    anomalySettings,
  );
  const createButton = h('button', { type: 'submit', class: 'primary', testid: 'project-create-button' }, 'Create project');
  const formStatus = h('p', { class: 'status', testid: 'project-form-status', role: 'status' });
  const form = h(
    'form',
    { class: 'card', testid: 'project-form' },
    h('h2', {}, 'New project'),
    h('label', {}, 'Name', nameInput),
    h('label', {}, 'What is one example?', modalitySelect),
    taskField,
    h('label', {}, labelsTitle, labelsInput),
    featuresField,
    settings,
    createButton,
    formStatus,
  );
  /** Shows only the fields that apply to the chosen modality and task. */
  const adapt = () => {
    const modality = modalitySelect.value as Modality;
    const anomalyPossible = ANOMALY_MODALITIES.includes(modality);
    taskField.hidden = !anomalyPossible;
    const anomaly = anomalyPossible && taskSelect.value === 'anomaly';
    labelsTitle.textContent = anomaly ? `Labels: “${NORMAL_LABEL}” is what the model learns; add known faults if you have some` : 'Labels, comma-separated (2 or more)';
    labelsInput.placeholder = anomaly ? 'normal, bearing fault' : modality === 'motion' ? 'e.g. walking, running, still' : 'e.g. apple, banana, orange';
    if (anomaly && labelsInput.value.trim() === '') labelsInput.value = NORMAL_LABEL;
    featuresField.hidden = modality !== 'tabular';
    motionSettings.hidden = modality !== 'motion';
    audioSettings.hidden = modality !== 'audio';
    textSettings.hidden = modality !== 'text';
    anomalySettings.hidden = !anomaly;
    settings.hidden = !(modality === 'motion' || modality === 'audio' || modality === 'text' || anomaly);
  };
  modalitySelect.addEventListener('change', adapt);
  taskSelect.addEventListener('change', adapt);
  adapt();
  root.replaceChildren(h('h1', {}, 'Projects'), status, list, empty, form);

  const controller = new AbortController();
  const open = (project: Project) => context.navigate({ name: 'project', projectId: project.id, tab: 'capture' });

  const showProjects = (projects: Project[]) => {
    list.replaceChildren(...projects.map((project) => projectItem(project, () => open(project))));
    empty.hidden = projects.length > 0;
    status.textContent = '';
  };

  context.client
    .listProjects({ signal: controller.signal })
    .then((projects) => {
      showProjects(projects);
      void rememberProjects(projects);
    })
    .catch(async (error: unknown) => {
      if (controller.signal.aborted) return;
      if (error instanceof OffgridApiError && error.status === 0) {
        context.reachability.report(false);
        showProjects(await cachedProjects());
        status.textContent = 'Server offline: showing the projects this phone knows.';
      } else status.textContent = describeApiError(error);
    });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    let input;
    try {
      input = newProjectInput({
        name: nameInput.value,
        modality: modalitySelect.value as Modality,
        task: taskSelect.value as Task,
        labels: labelsInput.value,
        featureNames: featuresInput.value,
        motionRateHz: motionRate.value,
        motionWindowSeconds: motionWindow.value,
        motionStrideSeconds: motionStride.value,
        audioClipSeconds: audioClip.value,
        textSeqLength: textSeq.value,
        falseAlarmPercent: falseAlarm.value,
      });
    } catch (error) {
      return void (formStatus.textContent = errorMessage(error));
    }
    createButton.disabled = true;
    formStatus.textContent = 'Creating…';
    context.client
      .createProject(input, { signal: controller.signal })
      .then(open)
      .catch((error: unknown) => {
        formStatus.textContent = `Could not create the project: ${errorMessage(error)}`;
        createButton.disabled = false;
      });
  });

  return () => controller.abort();
}

function projectItem(stored: Project, onOpen: () => void): HTMLElement {
  const project = modalProject(stored);
  const total = Object.values(project.sampleCounts).reduce((sum, count) => sum + count, 0);
  const kind = `${MODALITY_TITLES[project.modality].replace(/ \(.*\)$/, '')}${project.task === 'anomaly' ? ', anomaly detection' : ''}`;
  const button = h(
    'button',
    { type: 'button', class: 'project-item', testid: 'project-item', 'data-project-id': project.id, 'data-modality': project.modality },
    h('span', { class: 'project-item-name' }, project.name),
    h('span', { class: 'muted' }, kind),
    h('span', { class: 'muted' }, `${project.labels.join(' · ')} — ${total} sample${total === 1 ? '' : 's'}`),
  );
  button.addEventListener('click', onOpen);
  return h('li', {}, button);
}
