/** JSON schemas of the federated routes: the one source for validation, the OpenAPI document and the SDK's types. */
import type { WireType } from '@offgrid/features';
import { idParam } from '../schemas.ts';

/**
 * The largest head an update may carry: 1,000 labels × 2,048 embedding values as base64 float32 (about 11 MB). The
 * route's real check is the base head's own size (rounds.ts); this only stops bodies no head could need.
 */
export const MAX_UPDATE_BODY_BYTES = 12 * 1024 * 1024;

const evaluationSchema = {
  type: 'object', required: ['samples', 'correct', 'baseCorrect'],
  properties: { samples: { type: 'integer' }, correct: { type: 'integer' }, baseCorrect: { type: 'integer' } },
} as const;

const logitRangeSchema = {
  type: 'object', required: ['min', 'max'], additionalProperties: false,
  properties: { min: { type: 'number', minimum: -1e4, maximum: 1e4 }, max: { type: 'number', minimum: -1e4, maximum: 1e4 } },
} as const;

const settingsProperties = {
  minParticipants: { type: 'integer', minimum: 1, maximum: 1000, description: 'Fewer updates than this by the deadline: the round closes without a new version. Default 2.' },
  maxParticipants: { type: 'integer', minimum: 1, maximum: 1000, description: 'The round averages as soon as this many updates arrived. Default 10.' },
  epochs: { type: 'integer', minimum: 1, maximum: 100, description: 'Local epochs on each phone. Default 5.' },
  learningRate: { type: 'number', exclusiveMinimum: 0, maximum: 10, description: 'SGD with momentum 0.9. Default 0.05, for phones holding tens of samples; phones holding thousands that each see only some labels do better with about 0.003 and 1–2 epochs (bench/federated/RESULTS.md).' },
  batchSize: { type: 'integer', minimum: 1, maximum: 1024, description: 'Default 16.' },
  clipNorm: { type: 'number', exclusiveMinimum: 0, maximum: 1e6, description: 'Each update is scaled down to at most this L2 norm. Default 5.' },
  noiseMultiplier: { type: 'number', minimum: 0, maximum: 100, description: 'Gaussian noise std = noiseMultiplier · clipNorm / participants, for client-level differential privacy (0 = none, the default).' },
  evaluationSeconds: { type: 'integer', minimum: 5, maximum: 86400, description: 'How long phones have to rate the averaged head. Default 120.' },
} as const;

export const openRoundBodySchema = {
  type: 'object', additionalProperties: false,
  properties: {
    baseModelId: { ...idParam, description: "Default: the project's active model." },
    deadlineSeconds: { type: 'integer', minimum: 1, maximum: 7 * 86400, description: 'The round takes updates this long. Default 600.' },
    ...settingsProperties,
  },
} as const;

export const roundSchema = {
  type: 'object', title: 'FederatedRound',
  required: ['id', 'projectId', 'number', 'baseModelId', 'status', 'settings', 'createdAt', 'deadline', 'participants'],
  properties: {
    id: { type: 'string' }, projectId: { type: 'string' }, number: { type: 'integer' }, baseModelId: { type: 'string' },
    status: { type: 'string', enum: ['open', 'evaluating', 'closed'] },
    settings: {
      type: 'object', title: 'RoundSettings', properties: settingsProperties,
      required: ['minParticipants', 'maxParticipants', 'epochs', 'learningRate', 'batchSize', 'clipNorm', 'noiseMultiplier', 'evaluationSeconds'],
    },
    createdAt: { type: 'string' }, deadline: { type: 'string' }, evaluationDeadline: { type: 'string' }, closedAt: { type: 'string' },
    participants: {
      type: 'array',
      items: {
        type: 'object', title: 'RoundParticipant', required: ['deviceName', 'joinedAt', 'status'],
        properties: {
          deviceName: { type: 'string' }, joinedAt: { type: 'string' }, status: { type: 'string', enum: ['joined', 'submitted', 'rejected'] },
          submittedAt: { type: 'string' }, sampleCount: { type: 'integer' }, norm: { type: 'number', description: "The update's L2 norm before clipping." },
          reason: { type: 'string', description: 'Why the update was refused: stale, oversized, not-finite, length, unreadable.' },
          evaluation: evaluationSchema,
        },
      },
    },
    you: {
      type: 'object', title: 'RoundStanding', required: ['status', 'rated'],
      description: "The requesting key's own part in the round (absent when it has not joined), so a phone that reloaded knows where it stopped.",
      properties: { status: { type: 'string', enum: ['joined', 'submitted', 'rejected'] }, rated: { type: 'boolean', description: 'Whether this phone has rated the averaged head.' } },
    },
    outcome: {
      type: 'object', title: 'RoundOutcome', required: ['decision', 'reason', 'participants', 'samples'],
      properties: {
        decision: { type: 'string', enum: ['registered', 'kept-base', 'too-few-participants', 'cancelled'] },
        reason: { type: 'string' }, participants: { type: 'integer' }, samples: { type: 'integer' },
        clipped: { type: 'integer' }, noiseStd: { type: 'number' },
        baseAccuracy: { type: 'number' }, candidateAccuracy: { type: 'number' }, evaluatedSamples: { type: 'integer' },
        evaluatedOn: { type: 'string', enum: ['server', 'phones'], description: "server: the base version's held-out set (int8 files through LiteRT.js); phones: their reported counts." },
        modelId: { type: 'string', description: 'The version registered from this round.' },
        privacy: {
          type: 'object', required: ['epsilon', 'delta', 'noisyRounds'],
          description: "Client-level (ε, δ) of the project's noisy rounds so far (Rényi accountant of the Gaussian mechanism).",
          properties: { epsilon: { type: 'number' }, delta: { type: 'number' }, noisyRounds: { type: 'integer' } },
        },
      },
    },
  },
} as const;

export const updateBodySchema = {
  type: 'object', required: ['baseModelId', 'sampleCount', 'delta'], additionalProperties: false,
  properties: {
    baseModelId: { ...idParam, description: 'The version whose head the phone trained from (the round\'s base).' },
    sampleCount: { type: 'integer', minimum: 1, maximum: 10_000_000 },
    delta: { type: 'string', pattern: '^[A-Za-z0-9+/]*={0,2}$', description: 'Trained head minus base head (weights [labels][inputs] row-major, then bias), base64 little-endian float32.' },
  },
} as const;

export const evaluationBodySchema = {
  type: 'object', required: ['samples', 'correct', 'baseCorrect'], additionalProperties: false,
  properties: {
    samples: { type: 'integer', minimum: 0, maximum: 10_000_000 },
    correct: { type: 'integer', minimum: 0, maximum: 10_000_000 },
    baseCorrect: { type: 'integer', minimum: 0, maximum: 10_000_000 },
    logitRange: { ...logitRangeSchema, description: 'The smallest and largest logit the averaged head gave on those samples (sets the int8 file\'s logit range).' },
  },
} as const;

export const candidateSchema = {
  type: 'object', title: 'FederatedCandidate', required: ['round', 'baseModelId', 'head'],
  properties: {
    round: { type: 'integer' }, baseModelId: { type: 'string' },
    head: {
      type: 'object', title: 'HeadFile', required: ['format', 'inputSize', 'numClasses', 'weights', 'bias'],
      properties: { format: { type: 'string' }, inputSize: { type: 'integer' }, numClasses: { type: 'integer' }, weights: { type: 'string' }, bias: { type: 'string' } },
    },
  },
} as const;

/** The wire types, each spelled once: by its schema above. */
export type Round = WireType<typeof roundSchema>;
export type OpenRoundBody = WireType<typeof openRoundBodySchema>;
export type UpdateBody = WireType<typeof updateBodySchema>;
export type EvaluationBody = WireType<typeof evaluationBodySchema>;
