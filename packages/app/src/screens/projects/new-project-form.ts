// The New project form: a name, what a sample is (modality), classify or detect anomalies (motion and tabular),
// the labels, the feature columns (tabular) and optional settings; only the fields that apply are shown.
import { ANOMALY_MODALITIES, DEFAULT_TEXT_SPEC, MODALITIES, NORMAL_LABEL, type Modality, type Task } from '@offgrid/features';
import { h } from '../../dom.ts';
import { MODALITY_TITLES, type NewProjectForm } from '../../modalities/new-project.ts';

function settingsView() {
  const setting = (testid: string, placeholder: string) => h('input', { testid, inputmode: 'decimal', autocomplete: 'off', placeholder });
  const inputs = {
    motionRate: setting('setting-motion-rate', '50'), motionWindow: setting('setting-motion-window', '2'), motionStride: setting('setting-motion-stride', '1'),
    audioClip: setting('setting-audio-clip', '1'), textSeq: setting('setting-text-seq', String(DEFAULT_TEXT_SPEC.seqLength)), falseAlarm: setting('setting-false-alarm', '1'),
  };
  const motion = h('div', { class: 'form-row settings-motion' }, h('label', {}, 'Rate (Hz)', inputs.motionRate), h('label', {}, 'Window (s)', inputs.motionWindow), h('label', {}, 'Stride (s)', inputs.motionStride));
  const audio = h('label', {}, 'Clip length (s)', inputs.audioClip);
  const text = h('label', {}, 'Ids per text the model reads (a word and its character n-grams: about 20)', inputs.textSeq);
  const anomaly = h('label', {}, 'False alarms allowed on normal data (%)', inputs.falseAlarm);
  const element = h('details', { class: 'settings', testid: 'project-settings' }, h('summary', {}, 'Settings (optional; empty = defaults)'), motion, audio, text, anomaly);
  return { inputs, motion, audio, text, anomaly, element };
}

export function newProjectForm() {
  const name = h('input', { testid: 'project-name-input', name: 'name', required: true, maxlength: 100, placeholder: 'e.g. Fruit', autocomplete: 'off' });
  const labels = h('input', { testid: 'project-labels-input', name: 'labels', placeholder: 'e.g. apple, banana, orange', autocomplete: 'off', autocapitalize: 'none' });
  const modality = h('select', { testid: 'project-modality-select', name: 'modality' }, ...MODALITIES.map((m) => h('option', { value: m }, MODALITY_TITLES[m])));
  const task = h(
    'select',
    { testid: 'project-task-select', name: 'task' },
    h('option', { value: 'classify' }, 'Tell labels apart (classify)'),
    h('option', { value: 'anomaly' }, 'Spot the unusual (anomaly detection)'),
  );
  const taskField = h('label', { hidden: true }, 'Goal', task);
  const labelsTitle = h('span', {}, '');
  const features = h('input', { testid: 'project-features-input', name: 'featureNames', placeholder: 'e.g. temperature, rpm, current', autocomplete: 'off', autocapitalize: 'none' });
  const featuresField = h('label', { hidden: true }, 'Feature columns (the numbers of one example), comma-separated', features);
  const settings = settingsView();
  const privacy = h('input', { type: 'checkbox', testid: 'project-privacy-input', name: 'samplesStayOnDevice' });
  const privacyField = h(
    'label',
    { class: 'checkbox-field', testid: 'project-privacy' },
    privacy,
    h('span', {}, h('strong', {}, 'Keep samples on this phone'), h('br', {}),
      h('span', { class: 'muted' }, 'Samples never leave this phone; only model updates and counts travel. The model starts from one trained elsewhere and improves through federated rounds.')),
  );
  const createButton = h('button', { type: 'submit', class: 'primary', testid: 'project-create-button' }, 'Create project');
  const status = h('p', { class: 'status', testid: 'project-form-status', role: 'status' });
  const form = h(
    'form',
    { class: 'card', testid: 'project-form' },
    h('h2', {}, 'New project'),
    h('label', {}, 'Name', name),
    h('label', {}, 'What is one example?', modality),
    taskField,
    h('label', {}, labelsTitle, labels),
    featuresField,
    settings.element,
    privacyField,
    createButton,
    status,
  );

  /** Shows only the fields that apply to the chosen modality and task. */
  const adapt = () => {
    const chosen = modality.value as Modality;
    const anomalyPossible = ANOMALY_MODALITIES.includes(chosen);
    taskField.hidden = !anomalyPossible;
    const anomaly = anomalyPossible && task.value === 'anomaly';
    labelsTitle.textContent = anomaly ? `Labels: “${NORMAL_LABEL}” is what the model learns; add known faults if you have some` : 'Labels, comma-separated (2 or more)';
    labels.placeholder = anomaly ? 'normal, bearing fault' : chosen === 'motion' ? 'e.g. walking, running, still' : 'e.g. apple, banana, orange';
    if (anomaly && labels.value.trim() === '') labels.value = NORMAL_LABEL;
    featuresField.hidden = chosen !== 'tabular';
    settings.motion.hidden = chosen !== 'motion';
    settings.audio.hidden = chosen !== 'audio';
    settings.text.hidden = chosen !== 'text';
    settings.anomaly.hidden = !anomaly;
    settings.element.hidden = !(chosen === 'motion' || chosen === 'audio' || chosen === 'text' || anomaly);
  };
  modality.addEventListener('change', adapt);
  task.addEventListener('change', adapt);
  adapt();

  /** What the user typed, for `newProjectInput`. */
  const fields = (): NewProjectForm => {
    const s = settings.inputs;
    return {
      name: name.value,
      modality: modality.value as Modality,
      task: task.value as Task,
      labels: labels.value,
      featureNames: features.value,
      motionRateHz: s.motionRate.value,
      motionWindowSeconds: s.motionWindow.value,
      motionStrideSeconds: s.motionStride.value,
      audioClipSeconds: s.audioClip.value,
      textSeqLength: s.textSeq.value,
      falseAlarmPercent: s.falseAlarm.value,
      samplesStayOnDevice: privacy.checked,
    };
  };
  return { form, createButton, status, fields };
}
