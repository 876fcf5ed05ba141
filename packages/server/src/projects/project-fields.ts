import { ANOMALY_MODALITIES, MODALITIES, NORMAL_LABEL, TASKS, type Modality, type Task } from '@offgrid/features';
import { echoList, OffgridError } from '../errors.ts';
import { audioSpecOf, motionSpecOf } from './project-specs.ts';
import { labelSchema } from './labels.ts';

/** The most labels a project has (a phone screen of capture buttons). */
export const MAX_LABELS = 50;

/** Optional overrides of the modality's preprocessing defaults (the `@offgrid/features` specs). */
export interface ProjectSettings {
  motion?: { rateHz?: number; windowSeconds?: number; strideSeconds?: number };
  audio?: { clipSeconds?: number };
  text?: { seqLength?: number };
  /** Anomaly projects: the share of normal data the calibrated threshold may flag. */
  falseAlarmRate?: number;
}

/**
 * Sane bounds for each setting, one table for the route schema and the messages. Motion windows must hold
 * enough steps to learn from and fit in a recording; audio clips cannot be longer than an upload (10 s).
 */
export const SETTING_BOUNDS = {
  motion: { rateHz: [5, 500], windowSeconds: [0.25, 10], strideSeconds: [0.05, 10] },
  audio: { clipSeconds: [0.25, 10] },
  text: { seqLength: [4, 512] },
  falseAlarmRate: [0.0001, 0.25],
} as const;

/** A motion window needs at least this many steps (rateHz × windowSeconds) for a 1-D CNN to see a pattern. */
export const MIN_MOTION_WINDOW_STEPS = 8;
export const MAX_FEATURES = 1000;

export interface ProjectFields {
  modality: Modality;
  task: Task;
  labels: string[];
  featureNames?: string[];
  settings: ProjectSettings;
}

/** A label as the API takes it (project creation, sample uploads) and as an imported archive must hold it. */
export const projectNameSchema = { type: 'string', minLength: 1, maxLength: 100 } as const;

const range = ([min, max]: readonly [number, number]) => ({ type: 'number', minimum: min, maximum: max }) as const;

/** JSON schema of `settings` in the create body (bounds from SETTING_BOUNDS; cross-field rules are checked in code). */
export const settingsBodySchema = {
  type: 'object', additionalProperties: false,
  properties: {
    motion: {
      type: 'object', additionalProperties: false,
      properties: {
        rateHz: { ...range(SETTING_BOUNDS.motion.rateHz), type: 'integer' },
        windowSeconds: range(SETTING_BOUNDS.motion.windowSeconds),
        strideSeconds: range(SETTING_BOUNDS.motion.strideSeconds),
      },
    },
    audio: { type: 'object', additionalProperties: false, properties: { clipSeconds: range(SETTING_BOUNDS.audio.clipSeconds) } },
    text: { type: 'object', additionalProperties: false, properties: { seqLength: { ...range(SETTING_BOUNDS.text.seqLength), type: 'integer' } } },
    falseAlarmRate: range(SETTING_BOUNDS.falseAlarmRate),
  },
} as const;

/** POST /projects's body; an imported archive's project passes it too (with its id, times and model state). */
export const createProjectBodySchema = {
  type: 'object', required: ['name', 'labels'], additionalProperties: false,
  properties: {
    name: projectNameSchema,
    // One label is enough for an anomaly project ("normal"); classification needs two (checked in code).
    labels: { type: 'array', minItems: 1, maxItems: MAX_LABELS, items: labelSchema },
    modality: { type: 'string', enum: [...MODALITIES], default: 'image' },
    task: { type: 'string', enum: [...TASKS], default: 'classify' },
    featureNames: { type: 'array', minItems: 1, maxItems: MAX_FEATURES, items: labelSchema },
    settings: settingsBodySchema,
    samplesStayOnDevice: { type: 'boolean', default: false, description: 'Privacy mode: the server refuses samples; phones train in federated rounds (docs/federated.md).' },
  },
} as const;

/**
 * The rules the route schema cannot express (they tie fields together). Throws a 400 naming the fix.
 * Labels and feature names are expected checked, normalized and unique (labels.ts).
 */
export function checkProjectFields({ modality, task, labels, featureNames, settings }: ProjectFields): void {
  const invalid = (message: string) => new OffgridError('VALIDATION', message);
  if (task === 'anomaly') {
    if (!ANOMALY_MODALITIES.includes(modality)) throw invalid(`task "anomaly" is available for ${ANOMALY_MODALITIES.join(' and ')} projects, not ${modality}; use task "classify".`);
    if (!labels.includes(NORMAL_LABEL)) throw invalid(`An anomaly project needs a label "${NORMAL_LABEL}" for the data the model learns from; got ${echoList(labels)}.`);
  } else if (labels.length < 2) {
    throw invalid(`A classification project needs at least two labels; got ${labels.length}.`);
  }
  if (modality === 'tabular') {
    if (!featureNames || featureNames.length === 0) throw invalid('A tabular project needs "featureNames": the names of its numeric columns, in order.');
    if (featureNames.some((name) => name.toLowerCase() === 'label')) throw invalid('"label" is the CSV label column; it cannot be a feature name.');
  } else if (featureNames !== undefined) {
    throw invalid(`featureNames are for tabular projects; a ${modality} project has none.`);
  }
  for (const key of ['motion', 'audio', 'text'] as const) {
    if (settings[key] !== undefined && key !== modality) throw invalid(`settings.${key} applies to ${key} projects; this project's modality is ${modality}.`);
  }
  if (settings.falseAlarmRate !== undefined && task !== 'anomaly') throw invalid('settings.falseAlarmRate applies to anomaly projects (task "anomaly").');
  if (settings.motion) {
    const { rateHz, windowSeconds, strideSeconds } = motionSpecOf(settings);
    if (strideSeconds > windowSeconds) throw invalid(`settings.motion.strideSeconds (${strideSeconds}) must not exceed windowSeconds (${windowSeconds}): data between windows would be skipped.`);
    if (rateHz * windowSeconds < MIN_MOTION_WINDOW_STEPS) {
      throw invalid(`A motion window of ${windowSeconds} s at ${rateHz} Hz has ${Math.round(rateHz * windowSeconds)} steps; it needs at least ${MIN_MOTION_WINDOW_STEPS}. Raise rateHz or windowSeconds.`);
    }
    if (rateHz * strideSeconds < 1) throw invalid(`settings.motion.strideSeconds (${strideSeconds}) is shorter than one step at ${rateHz} Hz.`);
  }
  if (settings.audio?.clipSeconds !== undefined) {
    const spec = audioSpecOf(settings);
    if (spec.clipSeconds * spec.sampleRate < spec.frameLength) throw invalid(`settings.audio.clipSeconds (${spec.clipSeconds}) is shorter than one spectrogram frame.`);
  }
}
