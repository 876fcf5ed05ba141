// The "New project" form's values → the create request (docs/modalities.md), with the rules the server also
// checks, said in the form's words before anything is sent.
import type { CreateProjectInput } from '@offgrid/sdk';
import { parseLabels } from '../labels.ts';
import { ANOMALY_MODALITIES, NORMAL_LABEL, type Modality, type Task } from '@offgrid/features';
import type { ProjectSettings } from './project-fields.ts';

/** The form as typed: settings are text fields, empty = the modality's default. */
export interface NewProjectForm {
  name: string;
  modality: Modality;
  task: Task;
  labels: string;
  featureNames: string;
  motionRateHz: string;
  motionWindowSeconds: string;
  motionStrideSeconds: string;
  audioClipSeconds: string;
  textSeqLength: string;
  /** Percent, e.g. "1" for 1 %. */
  falseAlarmPercent: string;
  /** Privacy mode: samples never leave the phone (docs/federated.md). */
  samplesStayOnDevice?: boolean;
}

export const MODALITY_TITLES: Record<Modality, string> = {
  image: 'Photos (camera)',
  audio: 'Sounds (microphone)',
  motion: 'Motion (accelerometer, gyroscope)',
  text: 'Text',
  tabular: 'Table of numbers (CSV)',
};

/** A number field: undefined when empty; an error naming the field when it is not a number. */
function optionalNumber(text: string, what: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const value = Number(trimmed);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${what} must be a positive number, not “${trimmed}”.`);
  return value;
}

export function newProjectInput(form: NewProjectForm): CreateProjectInput {
  const name = form.name.trim();
  if (!name) throw new Error('Give the project a name.');
  const task: Task = ANOMALY_MODALITIES.includes(form.modality) ? form.task : 'classify';
  const labels = parseLabels(form.labels);
  if (task === 'anomaly') {
    if (!labels.includes(NORMAL_LABEL)) labels.unshift(NORMAL_LABEL);
  } else if (labels.length < 2) throw new Error('Enter at least 2 different labels, separated by commas.');
  const input: CreateProjectInput = { name, labels, modality: form.modality, task };
  if (form.modality === 'tabular') {
    const featureNames = parseLabels(form.featureNames, 'feature name');
    if (featureNames.length === 0) throw new Error('Name the numeric columns (features), separated by commas, in the order of your CSV.');
    if (featureNames.some((feature) => feature.toLowerCase() === 'label')) throw new Error('“label” is the label column; it cannot also be a feature.');
    input.featureNames = featureNames;
  }
  const settings: ProjectSettings = {};
  if (form.modality === 'motion') {
    const motion = {
      rateHz: optionalNumber(form.motionRateHz, 'The sample rate'),
      windowSeconds: optionalNumber(form.motionWindowSeconds, 'The window length'),
      strideSeconds: optionalNumber(form.motionStrideSeconds, 'The stride'),
    };
    const given = Object.fromEntries(Object.entries(motion).filter(([, value]) => value !== undefined));
    if (Object.keys(given).length > 0) settings.motion = given;
  }
  if (form.modality === 'audio') {
    const clipSeconds = optionalNumber(form.audioClipSeconds, 'The clip length');
    if (clipSeconds !== undefined) settings.audio = { clipSeconds };
  }
  if (form.modality === 'text') {
    const seqLength = optionalNumber(form.textSeqLength, 'The text length');
    if (seqLength !== undefined) {
      if (!Number.isInteger(seqLength)) throw new Error(`The text length is a whole number of words, not ${seqLength}.`);
      settings.text = { seqLength };
    }
  }
  if (task === 'anomaly') {
    const percent = optionalNumber(form.falseAlarmPercent, 'The false-alarm rate');
    if (percent !== undefined) {
      if (percent >= 50) throw new Error('The false-alarm rate is a percentage below 50.');
      settings.falseAlarmRate = percent / 100;
    }
  }
  if (Object.keys(settings).length > 0) input.settings = settings;
  if (form.samplesStayOnDevice) input.samplesStayOnDevice = true;
  return input;
}
