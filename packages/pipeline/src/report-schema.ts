/**
 * report.json as a JSON schema: the one spelling of a training report. The pipeline's `TrainReport` type is derived
 * from it (report.ts), the server validates imported reports and serializes `GET /models/:id/report` with it (its
 * serializer drops whatever a schema does not list, so a field written here and not listed would vanish from the
 * API), and the SDK's types are generated from it. Older reports lack some fields: those are optional here.
 */
import { MODALITIES, TASKS, audioSpecSchema, motionSpecSchema } from '@offgrid/features';
import { acceleratorFallbackSchema } from './search-progress.ts';

const numbers = { type: 'array', items: { type: 'number' } } as const;
const strings = { type: 'array', items: { type: 'string' } } as const;
const optionalNumber = { type: 'number' } as const;

export const modalitySchema = { type: 'string', enum: [...MODALITIES], description: 'What one sample is (docs/modalities.md).' } as const;
export const taskSchema = { type: 'string', enum: [...TASKS] } as const;
export const dtypeSchema = { type: 'string', enum: ['float32', 'int32'], description: 'int32 for text models (token ids), float32 otherwise.' } as const;

/** The exact `@offgrid/features` specs a model was trained with: the phone runs the same functions with them. */
const imagePreprocessingSchema = {
  type: 'object', title: 'ImagePreprocessing', required: ['width', 'height', 'mean', 'std'], description: 'preprocessImage: resize to width×height RGB, then (pixel - mean) / std.',
  properties: { width: { type: 'integer' }, height: { type: 'integer' }, mean: { type: 'number' }, std: { type: 'number' } },
} as const;

const audioPreprocessingSchema = {
  ...audioSpecSchema, title: 'AudioPreprocessing', required: [...audioSpecSchema.required, 'normalization'],
  description: 'AudioSpec: decodeWav → resampleLinear to sampleRate → fitClip to clipSeconds → logMelSpectrogram → (value - normalization.mean) / normalization.std.',
} as const;

const motionPreprocessingSchema = {
  ...motionSpecSchema, title: 'MotionPreprocessing', required: [...motionSpecSchema.required, 'normalization', 'features'],
  description: 'MotionSpec: resampleRecording to rateHz → motionWindows (per-channel (value - mean[c]) / std[c]); features "spectral": the model takes spectralFeatures of each window.',
  properties: { ...motionSpecSchema.properties, features: { type: 'string', enum: ['raw', 'spectral'] } },
} as const;

const textPreprocessingSchema = {
  type: 'object', title: 'TextPreprocessing', required: ['seqLength', 'maxTokens', 'vocabulary'],
  description: 'TextSpec: encodeText(text, vocabulary, seqLength, charNgrams) → int32 ids (<PAD>=0, <START>=1, <UNKNOWN>=2).',
  properties: {
    seqLength: { type: 'integer' }, maxTokens: { type: 'integer' }, vocabulary: { ...strings, description: 'Token of each id, special tokens first.' },
    charNgrams: {
      type: 'object', required: ['minN', 'maxN', 'buckets'],
      description: "Each word's id is followed by its character n-gram ids: vocabulary.length + FNV-1a 32-bit(UTF-8 of the n-gram) mod buckets, n = minN..maxN over '<' + word + '>'. Absent: word ids only (models saved before n-grams).",
      properties: { minN: { type: 'integer' }, maxN: { type: 'integer' }, buckets: { type: 'integer' } },
    },
  },
} as const;

const tabularPreprocessingSchema = {
  type: 'object', title: 'TabularPreprocessing', required: ['featureNames', 'mean', 'std'],
  description: 'What a caller applies to a raw row, per column in featureNames order: (value - mean[i]) / std[i]. Models trained since the standardization moved inside the .tflite say mean 0 / std 1 (apply nothing); older ones carry the scaling.',
  properties: { featureNames: strings, mean: numbers, std: numbers },
} as const;

/** What the phone (and `offgrid predict`) must run to turn a sample into the model's input: one entry, for the model's kind. */
export const preprocessingSchema = {
  type: 'object', title: 'ModelPreprocessing', description: "The spec of the model's modality (one of these is present).",
  properties: { image: imagePreprocessingSchema, audio: audioPreprocessingSchema, motion: motionPreprocessingSchema, text: textPreprocessingSchema, tabular: tabularPreprocessingSchema },
} as const;

/** Anomaly tasks: how the shipped threshold behaves on data the detector never trained on. */
export const anomalyProperties = {
  threshold: { type: 'number', description: 'For the float32 file.' },
  thresholdInt8: { type: 'number', description: 'For the int8 file (its scores differ a little).' },
  falseAlarmRate: { type: 'number', description: 'The share of normal data the threshold may flag (the project setting).' },
  heldOutNormal: {
    type: 'object', required: ['samples', 'falseAlarmsFloat32', 'falseAlarmsInt8'], description: 'Normal samples the model never trained on; false alarms as shares (0–1).',
    properties: { samples: { type: 'integer' }, falseAlarmsFloat32: { type: 'number' }, falseAlarmsInt8: { type: 'number' } },
  },
  knownAnomalies: {
    type: 'object', required: ['samples', 'detectedFloat32', 'detectedInt8'], description: 'Samples of the labels other than "normal", when there are some; detected as shares (0–1).',
    properties: { samples: { type: 'integer' }, detectedFloat32: { type: 'number' }, detectedInt8: { type: 'number' } },
  },
  auroc: { type: 'number', description: 'Area under the ROC curve of the int8 scores, held-out normal vs known anomalies.' },
} as const;

export const anomalyMetricsSchema = {
  type: 'object', title: 'AnomalyMetrics', required: ['threshold', 'thresholdInt8', 'falseAlarmRate', 'heldOutNormal'],
  description: 'Anomaly models: a score above the threshold of the file in use is an anomaly; calibrated on held-out normal data for falseAlarmRate.',
  properties: anomalyProperties,
} as const;

export const evaluationSchema = {
  type: 'object', required: ['accuracy', 'macroF1', 'perClass', 'confusion'],
  properties: {
    accuracy: { type: 'number' }, macroF1: { type: 'number' },
    perClass: { type: 'array', items: { type: 'object', required: ['label', 'precision', 'recall'], properties: { label: { type: 'string' }, precision: { type: 'number' }, recall: { type: 'number' } } } },
    confusion: { type: 'array', description: 'confusion[actual][predicted]', items: { type: 'array', items: { type: 'integer' } } },
  },
} as const;

const configSchema = { type: 'object', additionalProperties: { type: ['number', 'string', 'boolean'] }, description: 'Sampled hyperparameters, family included.' } as const;

export const trialSummarySchema = {
  type: 'object', required: ['number', 'family', 'config', 'status', 'startedAt', 'history'],
  properties: {
    number: { type: 'integer' }, family: { type: 'string' }, config: configSchema, status: { type: 'string' },
    valAccuracy: { type: 'number', description: "The search's objective: float32 validation accuracy, or the int8 file's with search.objective int8." },
    macs: { type: 'number', description: 'Multiply-accumulates per inference of the trial\'s model (countMacs).' },
    int8SizeKb: { type: 'number', description: 'Its int8 file, KiB (measured when a size limit or the int8 objective asked for it).' },
    error: { type: 'string', description: 'Why it failed or was infeasible (over a limit).' },
    startedAt: { type: 'string', description: 'When the trial first started (a resumed search keeps it: the trial was not run again).' },
    seconds: optionalNumber,
    history: {
      type: 'array',
      items: {
        type: 'object', required: ['epoch'],
        properties: { epoch: { type: 'integer' }, loss: optionalNumber, valLoss: optionalNumber, accuracy: optionalNumber, valAccuracy: optionalNumber },
      },
    },
  },
} as const;

/** report.json of a training run (the same file `offgrid train` writes). */
export const trainReportSchema = {
  type: 'object', title: 'ModelReport',
  required: ['createdAt', 'input', 'labels', 'split', 'budgetSeconds', 'elapsedSeconds', 'winner', 'metrics', 'sizes', 'trials'],
  properties: {
    createdAt: { type: 'string' },
    task: { ...taskSchema, description: 'Absent in reports written before anomaly models (= classify).' },
    input: {
      type: 'object', required: ['source', 'kind', 'shape', 'dtype'], description: 'preprocessing is absent in reports written before it existed (image and tabular models).',
      properties: {
        source: { type: 'string' }, kind: modalitySchema,
        shape: { type: 'array', items: { type: 'integer' }, description: 'One model input without the batch dimension (motion spectral: [features]; anomaly: [features] flattened).' },
        dtype: dtypeSchema, preprocessing: preprocessingSchema,
        normalization: { type: 'object', required: ['mean', 'std'], properties: { mean: { type: 'number' }, std: { type: 'number' } }, description: 'Images (older readers; = preprocessing.image).' },
        featureNames: { type: 'array', items: { type: 'string' }, description: 'Tables (older readers; = preprocessing.tabular).' },
        featureScaling: { type: 'object', required: ['mean', 'std'], properties: { mean: numbers, std: numbers }, description: 'Tables (older readers; = preprocessing.tabular).' },
      },
    },
    labels: { type: 'array', items: { type: 'string' } },
    split: {
      type: 'object', required: ['train', 'validation', 'test', 'searchSamples', 'seed'],
      description: 'Classify: trials split train+validation 80/20 inside the trainer; searchSamples of them were used by the search. With folds (small tables) every validation (= searchSamples) sample was validated once. Anomaly: train normal samples fitted, validation normal samples that set the threshold, test = held-out normal + known anomalies.',
      properties: {
        train: { type: 'integer' }, validation: { type: 'integer' }, test: { type: 'integer' }, searchSamples: { type: 'integer' }, seed: { type: 'integer' },
        folds: { type: 'integer', description: 'Small tables: trials were ranked by k-fold cross-validation with this many folds.' },
        grouping: {
          type: 'object', required: ['by'],
          description: 'What the splits kept together: none (samples of one person, session or recording may sit on both sides, so accuracy can flatter), a recording\'s windows, the groups a pattern over file paths named (offgrid train --group-by), or capture sessions (a label\'s phone captures without a pause over gapSeconds).',
          properties: { by: { type: 'string', enum: ['none', 'recording', 'pattern', 'session'] }, pattern: { type: 'string' }, gapSeconds: { type: 'number' }, groups: { type: 'integer' } },
        },
      },
    },
    budgetSeconds: { type: 'number' }, elapsedSeconds: { type: 'number' },
    transfer: {
      type: 'object', required: ['backbone', 'offered', 'samples', 'cacheHits', 'seconds'],
      description: 'Image searches: whether the transfer family (a head over a frozen pretrained backbone) competed, why not, and what embedding the photos cost (charged to the search); a transfer-head winner ships as backbone + head with the backbone\'s input.',
      properties: {
        backbone: { type: 'string' }, offered: { type: 'boolean' }, reason: { type: 'string' }, samples: { type: 'integer' }, cacheHits: { type: 'integer' },
        seconds: { type: 'number' }, estimatedSeconds: { type: 'number' }, packagingSeconds: { type: 'number' },
      },
    },
    winner: {
      type: 'object', required: ['trialNumber', 'family', 'config', 'epochs', 'retrained'],
      description: 'retrained: on train+validation after the search; otherwise the trial\'s own model ships (budget too short).',
      properties: { trialNumber: { type: 'integer' }, family: { type: 'string' }, config: configSchema, epochs: { type: 'integer' }, retrained: { type: 'boolean' }, macs: { type: 'number' } },
    },
    search: {
      type: 'object', required: ['objective'], description: 'What the trials were ranked by, and the limits they had to meet.',
      properties: {
        objective: { type: 'string', enum: ['float32', 'int8'] },
        limits: { type: 'object', properties: { maxInt8Kb: { type: 'number' }, maxMacs: { type: 'number' } } },
      },
    },
    metrics: {
      type: 'object', required: ['validation', 'test', 'int8AgreementWithFloat32'],
      properties: {
        validation: { type: 'object', required: ['accuracy'], properties: { accuracy: { type: 'number' } }, description: 'Anomaly: share of the threshold-setting normal samples under the float32 threshold.' },
        test: { type: 'object', required: ['float32', 'int8'], properties: { float32: evaluationSchema, int8: evaluationSchema }, description: 'Anomaly: the normal-vs-anomaly decision at each file\'s threshold.' },
        int8AgreementWithFloat32: { type: 'number' },
        anomaly: {
          type: 'object', required: [...anomalyMetricsSchema.required, 'scoreHistogram'],
          properties: {
            ...anomalyProperties,
            scoreHistogram: {
              type: 'object', required: ['min', 'max', 'normal', 'knownAnomalies'], description: 'int8 scores of the test samples in equal-width bins from min to max.',
              properties: { min: { type: 'number' }, max: { type: 'number' }, normal: { type: 'array', items: { type: 'integer' } }, knownAnomalies: { type: 'array', items: { type: 'integer' } } },
            },
          },
        },
      },
    },
    accelerator: {
      type: 'object', required: ['backend', 'reason'], description: 'What the trials trained on, and why (absent in reports from before accelerators were chosen).',
      properties: { backend: { type: 'string', enum: ['wasm', 'webgpu'] }, reason: { type: 'string' }, fallback: acceleratorFallbackSchema },
    },
    sizes: {
      type: 'object', required: ['float32Bytes', 'int8Bytes', 'int8Ratio'],
      properties: { float32Bytes: { type: 'integer' }, int8Bytes: { type: 'integer' }, int8Ratio: { type: 'number' } },
    },
    trials: { type: 'array', items: trialSummarySchema },
  },
} as const;
