/** JSON schemas shared by routes: the one source for validation and response serialization. */
export const idParam = { type: 'string', pattern: '^[0-9a-f-]{36}$' } as const;

export const projectSchema = {
  type: 'object',
  required: ['id', 'name', 'labels', 'modality', 'task', 'settings', 'createdAt', 'sampleCounts'],
  properties: {
    id: { type: 'string' }, name: { type: 'string' }, labels: { type: 'array', items: { type: 'string' } },
    modality: { type: 'string', enum: ['image', 'audio', 'motion', 'text', 'tabular'], description: 'What one sample is (docs/modalities.md).' },
    task: { type: 'string', enum: ['classify', 'anomaly'] },
    featureNames: { type: 'array', items: { type: 'string' }, description: 'Tabular projects: the numeric columns, in order.' },
    settings: {
      type: 'object', description: "Overrides of the modality's preprocessing defaults.",
      properties: {
        motion: { type: 'object', properties: { rateHz: { type: 'number' }, windowSeconds: { type: 'number' }, strideSeconds: { type: 'number' } } },
        audio: { type: 'object', properties: { clipSeconds: { type: 'number' } } },
        text: { type: 'object', properties: { seqLength: { type: 'integer' } } },
        falseAlarmRate: { type: 'number' },
      },
    },
    createdAt: { type: 'string' }, sampleCounts: { type: 'object', additionalProperties: { type: 'integer' } },
    activeModelId: { type: 'string' }, modelPinned: { type: 'boolean' },
  },
} as const;

export const sampleSchema = {
  type: 'object',
  required: ['id', 'projectId', 'label', 'sha256', 'mediaType', 'meta', 'createdAt'],
  properties: {
    id: { type: 'string' }, projectId: { type: 'string' }, label: { type: 'string' },
    sha256: { type: 'string', description: 'sha256 of the stored blob: the uploaded bytes, except tabular rows (stored as canonical {"features":[…]} JSON).' },
    mediaType: { type: 'string', description: 'image/jpeg|png|webp, audio/wav, application/json (motion recording or tabular row), text/plain' },
    width: { type: 'integer', description: 'Images only.' }, height: { type: 'integer', description: 'Images only.' },
    meta: {
      type: 'object', description: 'Per modality: image width/height; audio sampleRate/durationSeconds; motion rateHz/steps/channels; text characters; tabular nothing.',
      properties: {
        width: { type: 'integer' }, height: { type: 'integer' }, sampleRate: { type: 'integer' }, durationSeconds: { type: 'number' },
        rateHz: { type: 'number' }, steps: { type: 'integer' }, channels: { type: 'array', items: { type: 'string' } }, characters: { type: 'integer' },
      },
    },
    createdAt: { type: 'string' },
  },
} as const;

const optionalNumber = { type: 'number' } as const;

const leaderboardRowSchema = {
  type: 'object',
  required: ['trialNumber', 'family', 'status', 'epochs'],
  properties: {
    trialNumber: { type: 'integer' }, family: { type: 'string' },
    status: { type: 'string', description: 'running | completed | pruned | infeasible | failed | interrupted' },
    valAccuracy: optionalNumber, epochs: { type: 'integer', description: 'Epochs trained so far.' },
  },
} as const;

export const jobSchema = {
  type: 'object',
  required: ['id', 'projectId', 'status', 'progress', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' }, projectId: { type: 'string' }, datasetId: { type: 'string' },
    status: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] },
    request: {
      type: 'object', required: ['budgetSeconds', 'seed'],
      properties: { budgetSeconds: { type: 'number' }, seed: { type: 'integer' } },
    },
    progress: {
      type: 'object',
      required: ['phase', 'fraction', 'elapsedSeconds', 'etaSeconds', 'epoch', 'epochs', 'trialsFinished', 'leaderboard'],
      properties: {
        phase: { type: 'string', enum: ['preparing', 'searching', 'retraining', 'quantizing', 'evaluating', 'done'] },
        fraction: { type: 'number', description: 'Elapsed share of the budget, 0..1, never decreasing within a run (1 when done).' },
        elapsedSeconds: { type: 'number' }, etaSeconds: { type: 'number', description: 'Budget left.' },
        trialNumber: { type: 'integer', description: 'The trial that reported last; -1 while the winner is retrained.' },
        family: { type: 'string' },
        epoch: { type: 'integer', description: "That trial's 1-based epoch (0 before any trial reported)." }, epochs: { type: 'integer' },
        loss: optionalNumber, accuracy: optionalNumber, valLoss: optionalNumber, valAccuracy: optionalNumber,
        trialsFinished: { type: 'integer' },
        leaderboard: { type: 'array', items: leaderboardRowSchema, description: 'Top 10 trials by validation accuracy.' },
      },
    },
    createdAt: { type: 'string' }, updatedAt: { type: 'string' }, modelId: { type: 'string' }, error: { type: 'string' },
  },
} as const;

const accuracySchema = {
  type: 'object', required: ['accuracy', 'macroF1'], properties: { accuracy: { type: 'number' }, macroF1: { type: 'number' } },
} as const;

const sizesSchema = {
  type: 'object', required: ['float32Bytes', 'int8Bytes', 'int8Ratio'],
  properties: { float32Bytes: { type: 'integer' }, int8Bytes: { type: 'integer' }, int8Ratio: { type: 'number' } },
} as const;

export const modelSchema = {
  type: 'object',
  required: ['id', 'projectId', 'version', 'createdAt', 'labels', 'input', 'metrics', 'artifacts', 'active'],
  properties: {
    id: { type: 'string' }, projectId: { type: 'string' }, version: { type: 'integer' }, createdAt: { type: 'string' },
    active: { type: 'boolean', description: "Whether this is the project's active model (the one phones should use)." },
    labels: { type: 'array', items: { type: 'string' } },
    input: {
      type: 'object', required: ['width', 'height', 'channels', 'dtype', 'mean', 'std'],
      properties: { width: { type: 'integer' }, height: { type: 'integer' }, channels: { type: 'integer' }, dtype: { type: 'string' }, mean: { type: 'number' }, std: { type: 'number' } },
    },
    metrics: {
      type: 'object', required: ['epochs'],
      description: 'Headline numbers of the training report (GET /models/{modelId}/report has all of it). Versions trained before the search have only valAccuracy and epochs.',
      properties: {
        valAccuracy: { type: 'number', description: "The winning trial's validation accuracy." },
        epochs: { type: 'integer', description: 'Epochs the shipped model was trained for.' },
        test: {
          type: 'object', required: ['samples', 'float32', 'int8'], description: 'Held-out test split, both files run through LiteRT.js.',
          properties: { samples: { type: 'integer' }, float32: accuracySchema, int8: accuracySchema },
        },
        int8AgreementWithFloat32: { type: 'number', description: 'Share of test samples on which int8 and float32 pick the same label.' },
        sizes: sizesSchema,
        trials: { type: 'integer', description: 'Trials the search ran.' },
        winner: {
          type: 'object', required: ['trialNumber', 'family', 'retrained'],
          properties: { trialNumber: { type: 'integer' }, family: { type: 'string' }, retrained: { type: 'boolean' } },
        },
      },
    },
    artifacts: {
      type: 'array',
      items: {
        type: 'object', required: ['variant', 'sizeBytes', 'sha256'],
        properties: {
          variant: { type: 'string', description: 'float32 | int8 (.tflite, GET …/download?variant=), report | report-html (GET …/report, …/report.html)' },
          sizeBytes: { type: 'integer' }, sha256: { type: 'string' },
        },
      },
    },
  },
} as const;

const evaluationSchema = {
  type: 'object', required: ['accuracy', 'macroF1', 'perClass', 'confusion'],
  properties: {
    accuracy: { type: 'number' }, macroF1: { type: 'number' },
    perClass: { type: 'array', items: { type: 'object', required: ['label', 'precision', 'recall'], properties: { label: { type: 'string' }, precision: { type: 'number' }, recall: { type: 'number' } } } },
    confusion: { type: 'array', description: 'confusion[actual][predicted]', items: { type: 'array', items: { type: 'integer' } } },
  },
} as const;

const configSchema = { type: 'object', additionalProperties: { type: ['number', 'string', 'boolean'] }, description: 'Sampled hyperparameters, family included.' } as const;

/** report.json of a training run (the same file `offgrid train` writes). */
export const trainReportSchema = {
  type: 'object',
  required: ['createdAt', 'input', 'labels', 'split', 'budgetSeconds', 'elapsedSeconds', 'winner', 'metrics', 'sizes', 'trials'],
  properties: {
    createdAt: { type: 'string' },
    input: {
      type: 'object', required: ['source', 'kind', 'shape', 'dtype'],
      properties: {
        source: { type: 'string' }, kind: { type: 'string', enum: ['image', 'tabular'] }, shape: { type: 'array', items: { type: 'integer' } }, dtype: { type: 'string' },
        normalization: { type: 'object', required: ['mean', 'std'], properties: { mean: { type: 'number' }, std: { type: 'number' } } },
        featureNames: { type: 'array', items: { type: 'string' } },
        featureScaling: { type: 'object', required: ['mean', 'std'], properties: { mean: { type: 'array', items: { type: 'number' } }, std: { type: 'array', items: { type: 'number' } } } },
      },
    },
    labels: { type: 'array', items: { type: 'string' } },
    split: {
      type: 'object', required: ['train', 'validation', 'test', 'searchSamples', 'seed'],
      properties: { train: { type: 'integer' }, validation: { type: 'integer' }, test: { type: 'integer' }, searchSamples: { type: 'integer' }, seed: { type: 'integer' } },
    },
    budgetSeconds: { type: 'number' }, elapsedSeconds: { type: 'number' },
    winner: {
      type: 'object', required: ['trialNumber', 'family', 'config', 'epochs', 'retrained'],
      properties: { trialNumber: { type: 'integer' }, family: { type: 'string' }, config: configSchema, epochs: { type: 'integer' }, retrained: { type: 'boolean' } },
    },
    metrics: {
      type: 'object', required: ['validation', 'test', 'int8AgreementWithFloat32'],
      properties: {
        validation: { type: 'object', required: ['accuracy'], properties: { accuracy: { type: 'number' } } },
        test: { type: 'object', required: ['float32', 'int8'], properties: { float32: evaluationSchema, int8: evaluationSchema } },
        int8AgreementWithFloat32: { type: 'number' },
      },
    },
    sizes: sizesSchema,
    trials: {
      type: 'array',
      items: {
        type: 'object', required: ['number', 'family', 'config', 'status', 'startedAt', 'history'],
        properties: {
          number: { type: 'integer' }, family: { type: 'string' }, config: configSchema, status: { type: 'string' },
          valAccuracy: optionalNumber, startedAt: { type: 'string' }, seconds: optionalNumber,
          history: {
            type: 'array',
            items: {
              type: 'object', required: ['epoch'],
              properties: { epoch: { type: 'integer' }, loss: optionalNumber, valLoss: optionalNumber, accuracy: optionalNumber, valAccuracy: optionalNumber },
            },
          },
        },
      },
    },
  },
} as const;

export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } },
} as const;
