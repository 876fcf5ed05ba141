/** JSON schemas shared by routes: the one source for validation and response serialization. */
export const idParam = { type: 'string', pattern: '^[0-9a-f-]{36}$' } as const;

export const projectSchema = {
  type: 'object',
  required: ['id', 'name', 'labels', 'createdAt', 'sampleCounts'],
  properties: {
    id: { type: 'string' }, name: { type: 'string' }, labels: { type: 'array', items: { type: 'string' } },
    createdAt: { type: 'string' }, sampleCounts: { type: 'object', additionalProperties: { type: 'integer' } },
    activeModelId: { type: 'string' }, modelPinned: { type: 'boolean' },
  },
} as const;

export const sampleSchema = {
  type: 'object',
  required: ['id', 'projectId', 'label', 'sha256', 'width', 'height', 'createdAt'],
  properties: {
    id: { type: 'string' }, projectId: { type: 'string' }, label: { type: 'string' }, sha256: { type: 'string' },
    width: { type: 'integer' }, height: { type: 'integer' }, createdAt: { type: 'string' },
  },
} as const;

const optionalNumber = { type: 'number' } as const;

export const jobSchema = {
  type: 'object',
  required: ['id', 'projectId', 'status', 'progress', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' }, projectId: { type: 'string' }, datasetId: { type: 'string' },
    status: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] },
    request: { type: 'object', additionalProperties: true },
    progress: {
      type: 'object',
      required: ['phase', 'epoch', 'epochs', 'fraction'],
      properties: {
        phase: { type: 'string' }, epoch: { type: 'integer' }, epochs: { type: 'integer' }, fraction: { type: 'number' },
        loss: optionalNumber, accuracy: optionalNumber, valLoss: optionalNumber, valAccuracy: optionalNumber, etaSeconds: optionalNumber,
      },
    },
    createdAt: { type: 'string' }, updatedAt: { type: 'string' }, modelId: { type: 'string' }, error: { type: 'string' },
  },
} as const;

export const modelSchema = {
  type: 'object',
  required: ['id', 'projectId', 'version', 'createdAt', 'labels', 'input', 'metrics', 'artifacts', 'active'],
  properties: {
    id: { type: 'string' }, projectId: { type: 'string' }, version: { type: 'integer' }, createdAt: { type: 'string' },
    active: { type: 'boolean', description: "Whether this is the project's active model (the one phones should use)." },
    labels: { type: 'array', items: { type: 'string' } },
    input: {
      type: 'object',
      properties: { width: { type: 'integer' }, height: { type: 'integer' }, channels: { type: 'integer' }, dtype: { type: 'string' }, mean: { type: 'number' }, std: { type: 'number' } },
    },
    metrics: { type: 'object', properties: { valAccuracy: optionalNumber, trainAccuracy: optionalNumber, epochs: { type: 'integer' } } },
    artifacts: {
      type: 'array',
      items: { type: 'object', properties: { variant: { type: 'string' }, sizeBytes: { type: 'integer' }, sha256: { type: 'string' } } },
    },
  },
} as const;

export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } },
} as const;
