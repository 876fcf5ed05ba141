/**
 * JSON schemas shared by routes: the one source for validation, response serialization (Fastify's serializer
 * drops every property a response schema does not list) and the SDK's generated types (a `title` names the type).
 */
import type { WireType } from '@offgrid/features';
import {
  anomalyMetricsSchema, dtypeSchema, modalitySchema, preprocessingSchema, searchProgressSchema, taskSchema, trainReportSchema,
} from '@offgrid/pipeline';
import { TRAINING_FAILURE_CODES } from '@offgrid/engine/failure';
import { MODEL_FILE_VARIANTS, SERVER_ONLY_VARIANTS } from './models/model-store.ts';

export const idParam = { type: 'string', pattern: '^[0-9a-f-]{36}$' } as const;


export const projectSchema = {
  type: 'object', title: 'Project',
  required: ['id', 'name', 'labels', 'modality', 'task', 'settings', 'createdAt', 'sampleCounts', 'modelPinned', 'samplesStayOnDevice'],
  properties: {
    id: { type: 'string' }, name: { type: 'string' }, labels: { type: 'array', items: { type: 'string' } },
    modality: modalitySchema,
    task: taskSchema,
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
    activeModelId: { type: 'string' }, modelPinned: { type: 'boolean', description: 'Whether activeModelId stays when new models arrive (POST /models/{modelId}/activate).' },
    samplesStayOnDevice: { type: 'boolean', description: 'Privacy mode (docs/federated.md): the server refuses this project\'s samples; phones keep them and send only head updates in federated rounds.' },
  },
} as const;

/** Small facts about a sample, per modality (docs/modalities.md), measured when it is uploaded. */
const sampleMetaSchema = {
  type: 'object', description: 'Per modality: image width/height; audio sampleRate/durationSeconds; motion rateHz/steps/channels; text characters; tabular nothing.',
  properties: {
    width: { type: 'integer' }, height: { type: 'integer' }, sampleRate: { type: 'integer' }, durationSeconds: { type: 'number' },
    rateHz: { type: 'number' }, steps: { type: 'integer' }, channels: { type: 'array', items: { type: 'string' } }, characters: { type: 'integer' },
  },
} as const;
export type SampleMeta = WireType<typeof sampleMetaSchema>;

export const sampleSchema = {
  type: 'object', title: 'Sample',
  required: ['id', 'projectId', 'label', 'sha256', 'mediaType', 'meta', 'createdAt'],
  properties: {
    id: { type: 'string' }, projectId: { type: 'string' }, label: { type: 'string' },
    deletedAt: { type: 'string', description: 'Set while the sample is deleted (restore brings it back); it is left out of lists, counts and new snapshots.' },
    sha256: { type: 'string', description: 'sha256 of the stored blob: the uploaded bytes, except tabular rows (stored as canonical {"features":[…]} JSON).' },
    mediaType: { type: 'string', description: 'image/jpeg|png|webp, audio/wav, application/json (motion recording or tabular row), text/plain' },
    width: { type: 'integer', description: 'Images only.' }, height: { type: 'integer', description: 'Images only.' },
    meta: sampleMetaSchema,
    createdAt: { type: 'string' },
  },
} as const;

export const jobSchema = {
  type: 'object', title: 'Job',
  required: ['id', 'projectId', 'status', 'progress', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' }, projectId: { type: 'string' }, datasetId: { type: 'string' },
    status: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] },
    request: {
      type: 'object', required: ['budgetSeconds', 'seed'],
      properties: { budgetSeconds: { type: 'number' }, seed: { type: 'integer' }, objective: { type: 'string', enum: ['float32', 'int8'] }, maxInt8Kb: { type: 'number' }, maxMacs: { type: 'number' }, backbone: { type: 'string' } },
    },
    progress: searchProgressSchema,
    createdAt: { type: 'string' }, updatedAt: { type: 'string' }, modelId: { type: 'string' },
    error: { type: 'string', description: "A failed job's message (the same as failure.message)." },
    failure: {
      type: 'object', title: 'JobFailure', required: ['code', 'message'],
      description: 'Why the job failed: a code to switch on (docs/api.md lists them) and a message that says the fix.',
      properties: { code: { type: 'string', enum: TRAINING_FAILURE_CODES }, message: { type: 'string' } },
    },
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
  type: 'object', title: 'Model',
  required: ['id', 'projectId', 'version', 'createdAt', 'task', 'labels', 'input', 'metrics', 'artifacts', 'active'],
  properties: {
    id: { type: 'string' }, projectId: { type: 'string' }, version: { type: 'integer' }, createdAt: { type: 'string' },
    active: { type: 'boolean', description: "Whether this is the project's active model (the one phones should use)." },
    purgedSamples: { type: 'integer', description: 'Samples it was trained on that have since been purged (erased everywhere for privacy): retrain to forget them.' },
    task: { ...taskSchema, description: 'classify: outputs one probability per label; anomaly: outputs one score (see metrics.anomaly).' },
    labels: { type: 'array', items: { type: 'string' } },
    input: {
      type: 'object', title: 'ModelInput', required: ['kind', 'shape', 'dtype', 'preprocessing'],
      description: 'What one example fed to the model is and how to make it from a sample (docs/modalities.md).',
      properties: {
        kind: modalitySchema, shape: { type: 'array', items: { type: 'integer' }, description: 'One example, without the batch dimension.' },
        dtype: dtypeSchema, preprocessing: preprocessingSchema,
        width: { type: 'integer', description: 'Images only (= preprocessing.image.width), kept for older apps.' },
        height: { type: 'integer', description: 'Images only.' }, channels: { type: 'integer', description: 'Images only: 3 (RGB).' },
        mean: { type: 'number', description: 'Images only.' }, std: { type: 'number', description: 'Images only.' },
      },
    },
    metrics: {
      type: 'object', title: 'ModelMetrics', required: ['epochs'],
      description: 'Headline numbers of the training report (GET /models/{modelId}/report has all of it). Versions trained before the search have only valAccuracy and epochs.',
      properties: {
        valAccuracy: { type: 'number', description: "The winning trial's validation accuracy (anomaly models: the share of threshold-setting normal data under the threshold)." },
        valSamples: { type: 'integer', description: 'How many validation samples valAccuracy was measured on: below about 50 it is a rough figure.' },
        epochs: { type: 'integer', description: 'Epochs the shipped model was trained for.' },
        test: {
          type: 'object', required: ['samples', 'float32', 'int8'], description: 'Held-out test split, both files run through LiteRT.js (anomaly models: the normal-vs-anomaly decision at their thresholds).',
          properties: { samples: { type: 'integer' }, float32: accuracySchema, int8: accuracySchema },
        },
        int8AgreementWithFloat32: { type: 'number', description: 'Share of test samples on which int8 and float32 pick the same label.' },
        sizes: sizesSchema,
        trials: { type: 'integer', description: 'Trials the search ran.' },
        winner: {
          type: 'object', required: ['trialNumber', 'family', 'retrained'],
          properties: { trialNumber: { type: 'integer' }, family: { type: 'string' }, retrained: { type: 'boolean' } },
        },
        anomaly: anomalyMetricsSchema,
        federated: {
          type: 'object', description: 'Versions a federated round made (docs/federated.md): the round, and how phones rated it against its base on their held-out samples.',
          required: ['roundId', 'round', 'baseModelId', 'participants', 'samples', 'baseAccuracy', 'accuracy', 'evaluatedSamples', 'evaluatedOn'],
          properties: {
            roundId: { type: 'string' }, round: { type: 'integer' }, baseModelId: { type: 'string' }, participants: { type: 'integer' }, samples: { type: 'integer' },
            baseAccuracy: { type: 'number' }, accuracy: { type: 'number' }, evaluatedSamples: { type: 'integer' },
            evaluatedOn: { type: 'string', enum: ['server', 'phones'], description: "server: the base version's held-out set, int8 files through LiteRT.js; phones: their reported counts on samples they did not train on." },
          },
        },
      },
    },
    artifacts: {
      type: 'array',
      items: {
        type: 'object', title: 'ModelArtifact', required: ['variant', 'sizeBytes', 'sha256'],
        properties: {
          variant: { type: 'string', enum: [...MODEL_FILE_VARIANTS, ...SERVER_ONLY_VARIANTS], description: 'float32 | int8 (.tflite), probes (held-out samples as the model takes them, JSON), head (the classifier head\'s float weights, JSON) and trunk-int8 | trunk-float32 (each file up to the embedding the head reads, .tflite): GET …/download?variant=; report | report-html (GET …/report, …/report.html); holdout (the held-out test samples with labels, kept on the server to test federated heads; not downloadable)' },
          sizeBytes: { type: 'integer' }, sha256: { type: 'string' },
        },
      },
    },
  },
} as const;

export { trainReportSchema };

/** A machine that works a coordinator's queue, as its last heartbeat described it. */
export const workerInfoSchema = {
  type: 'object', required: ['name', 'cores', 'concurrency', 'accelerator', 'lastHeartbeatAt'],
  properties: {
    name: { type: 'string' }, cores: { type: 'integer' }, concurrency: { type: 'integer', description: 'Trials it takes at once.' },
    accelerator: { type: 'string', description: 'wasm or webgpu: what its trials train on now (wasm once WebGPU failed there)' },
    acceleratorReason: { type: 'string', description: 'Why: its own self-test\'s result, or the WebGPU failure' },
    lastHeartbeatAt: { type: 'string' },
  },
} as const;

export const errorSchema = {
  type: 'object', title: 'ErrorBody', description: 'Every 4xx/5xx answer; switch on error.code (OFFGRID_ERR_*), show error.message.',
  required: ['error'],
  properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } },
} as const;
