import type { FastifySchemaCompiler, ValidationResult } from 'fastify';
import type { Modality, Task } from '@offgrid/features';
import { OffgridError } from '../errors.ts';
import { INITIAL_PROGRESS } from '../jobs/job-store.ts';
import { upgradeInput } from '../models/model-store.ts';
import { checkProjectFields, createProjectBodySchema, type ProjectSettings } from '../projects/project-fields.ts';
import { cleanLabels, labelSchema } from '../projects/labels.ts';
import { UPLOAD_FORMATS } from '../samples/upload-formats.ts';
import { idParam, jobSchema, modelSchema, sampleSchema, trainReportSchema } from '../schemas.ts';

/**
 * What an imported manifest.json must be: the API's own schemas and limits for every row (a project as POST /projects
 * takes it, labels as uploads take them, models and jobs as the API serves them), compiled by the routes' own
 * validator compiler (Fastify's Ajv, same options: types coerced as in request bodies). The rules a schema cannot
 * express (unique ids, labels of the project, one file per model variant) are checked in code below.
 */
const sha256 = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
const time = { type: 'string', format: 'date-time' } as const;
/** Ajv's `nullable` (not a union type: coercion would turn null into ""). */
const nullable = <T extends object>(schema: T) => ({ ...schema, nullable: true }) as const;
const labels = { type: 'array', items: labelSchema } as const;
const ids = { type: 'array', items: idParam } as const;
/** Idempotency-Key headers are at most 200 characters; CSV rows store `<key>#<line>`. */
const IDEMPOTENCY_KEY_MAX = 200 + 8;
const ALL_MEDIA_TYPES = [...new Set(Object.values(UPLOAD_FORMATS).flatMap((format) => format.mediaTypes))];

export const manifestSchema = {
  type: 'object', required: ['format', 'version', 'project', 'samples', 'datasets', 'jobs', 'models', 'blobs'],
  properties: {
    exportedAt: time,
    project: {
      type: 'object', required: [...createProjectBodySchema.required, 'id', 'createdAt'],
      properties: {
        ...createProjectBodySchema.properties,
        id: idParam, createdAt: time, activeModelId: nullable(idParam), modelPinned: { type: 'boolean', default: false },
      },
    },
    samples: {
      type: 'array',
      items: {
        type: 'object', required: ['id', 'label', 'sha256', 'mediaType', 'createdAt'],
        properties: {
          id: idParam, label: labelSchema, sha256, mediaType: { type: 'string', enum: ALL_MEDIA_TYPES },
          width: nullable({ type: 'integer', minimum: 1 }), height: nullable({ type: 'integer', minimum: 1 }), meta: sampleSchema.properties.meta,
          idempotencyKey: nullable({ type: 'string', minLength: 1, maxLength: IDEMPOTENCY_KEY_MAX }), createdAt: time, deletedAt: nullable(time),
        },
      },
    },
    datasets: {
      type: 'array',
      items: { type: 'object', required: ['id', 'labels', 'sampleIds', 'createdAt'], properties: { id: idParam, labels, sampleIds: ids, createdAt: time } },
    },
    jobs: {
      type: 'array',
      items: {
        type: 'object', required: ['id', 'datasetId', 'request', 'status', 'progress', 'createdAt', 'updatedAt'],
        properties: {
          id: idParam, datasetId: idParam, request: jobSchema.properties.request, status: jobSchema.properties.status,
          progress: { type: 'object' }, // checked as the API serves it (filled like rows written before search jobs)
          modelId: nullable(idParam), error: nullable({ type: 'string' }), errorCode: { ...nullable({ type: 'string' }), enum: [...jobSchema.properties.failure.properties.code.enum, null] }, // the API's failure codes createdAt: time, updatedAt: time,
        },
      },
    },
    models: {
      type: 'array',
      items: {
        type: 'object', required: ['id', 'version', 'jobId', 'datasetId', 'labels', 'input', 'metrics', 'createdAt', 'artifacts'],
        properties: {
          id: idParam, version: { type: 'integer', minimum: 1 }, jobId: nullable(idParam), datasetId: nullable(idParam), labels,
          input: { type: 'object' }, // checked as the API serves it (image models from before `kind` are upgraded)
          metrics: modelSchema.properties.metrics, createdAt: time, purgedSamples: { type: 'integer', minimum: 0 },
          artifacts: {
            type: 'array',
            items: {
              type: 'object', required: ['variant', 'sha256', 'sizeBytes'],
              properties: { variant: modelSchema.properties.artifacts.items.properties.variant, sha256, sizeBytes: { type: 'integer', minimum: 0 } },
            },
          },
        },
      },
    },
    blobs: { type: 'array', items: { type: 'object', required: ['sha256', 'sizeBytes'], properties: { sha256, sizeBytes: { type: 'integer', minimum: 0 } } } },
  },
} as const;

export interface ManifestChecks {
  /** Throws a 400 naming the first field of manifest.json that the API would refuse; fills defaults and coerces as routes do. */
  manifest(manifest: unknown): void;
  /** The same for a model's report.json (`where` names the model in the message). */
  report(report: unknown, where: string): void;
}

type Validator = ReturnType<FastifySchemaCompiler<unknown>>;

/** Compiles the schemas once, with the compiler the routes use (`app.validatorCompiler` once the app is ready). */
export function manifestChecks(compile: FastifySchemaCompiler<unknown>): ManifestChecks {
  const validator = (schema: unknown) => compile({ schema, method: 'POST', url: '/projects/import', httpPart: 'body' });
  const manifest = validator(manifestSchema);
  const progress = validator(jobSchema.properties.progress);
  const input = validator(modelSchema.properties.input);
  const report = validator(trainReportSchema);
  return {
    manifest(value) {
      check(manifest, value, 'manifest.json:');
      const m = value as CheckedManifest;
      checkRows(m);
      m.jobs.forEach((job, i) => check(progress, job.progress = { ...INITIAL_PROGRESS, ...job.progress }, `manifest.json: jobs[${i}].progress`));
      m.models.forEach((model, i) => {
        check(input, model.input = upgradeInput(model.input as Parameters<typeof upgradeInput>[0]), `manifest.json: models[${i}].input`);
        if (model.input.kind !== m.project.modality) throw invalid(`manifest.json: models[${i}].input.kind is "${model.input.kind}" but the project's modality is "${m.project.modality}"`);
      });
    },
    report(value, where) {
      check(report, value, `${where}:`);
    },
  };
}

/** The manifest once its schema passed (defaults filled: modality, task): the fields the checks in code read. */
interface CheckedManifest {
  project: { id: string; name: string; labels: string[]; modality: Modality; task: Task; featureNames?: string[]; settings: ProjectSettings };
  samples: { id: string; label: string; sha256: string; mediaType: string; idempotencyKey?: string | null }[];
  datasets: { id: string }[];
  jobs: { id: string; progress: object }[];
  models: { id: string; version: number; input: { kind?: string }; artifacts: { variant: string }[] }[];
  blobs: { sha256: string }[];
}

const invalid = (why: string) => new OffgridError('VALIDATION', `The archive is not a valid Offgrid project export: ${why}. Nothing was imported.`);

function check(validate: Validator, value: unknown, where: string): void {
  if (validate(value) === true) return;
  const [error] = validate.errors ?? [];
  throw invalid(`${where}${error ? ` ${describe(error, value)}` : ' it does not match its schema'}`);
}

/** "project.labels[0] must be string (got {"a":1})": the field as a person finds it in the file, and what it holds. */
function describe(error: ValidationResult, root: unknown): string {
  const steps = error.instancePath.split('/').slice(1).map((step) => step.replace(/~1/g, '/').replace(/~0/g, '~'));
  const path = steps.reduce((text, step) => (/^\d+$/.test(step) ? `${text}[${step}]` : `${text}${text ? '.' : ''}${step}`), '');
  let value: unknown = root;
  for (const step of steps) value = (value as Record<string, unknown> | undefined)?.[step];
  const allowed = Array.isArray(error.params.allowedValues) ? ` (${error.params.allowedValues.join(', ')})` : '';
  const shown = value === undefined ? '' : ` (got ${truncate(JSON.stringify(value))})`;
  return `${path || 'the document'} ${error.message ?? 'is invalid'}${allowed}${error.keyword === 'required' ? '' : shown}`;
}

const truncate = (text: string) => (text.length > 60 ? `${text.slice(0, 60)}… (${text.length} characters)` : text);

/** What the schema cannot say: the rules project creation applies in code, and what the tables keep unique. */
function checkRows(m: CheckedManifest): void {
  const p = m.project;
  try {
    const cleaned = cleanLabels(p.labels);
    const changed = cleaned.findIndex((label, i) => label !== p.labels[i]);
    if (changed >= 0) throw new OffgridError('VALIDATION', `project.labels[${changed}] has surrounding spaces (${JSON.stringify(p.labels[changed])}); the API stores labels trimmed.`);
    checkProjectFields({ modality: p.modality, task: p.task, labels: cleaned, featureNames: p.featureNames, settings: p.settings ?? {} });
  } catch (error) {
    if (error instanceof OffgridError) throw invalid(`manifest.json: project: ${error.message.replace(/\.$/, '')}`);
    throw error;
  }
  unique('id', [['project', [p]], ['samples', m.samples], ['datasets', m.datasets], ['jobs', m.jobs], ['models', m.models]], (row) => row.id);
  unique('sha256', [['samples', m.samples]], (sample) => sample.sha256);
  unique('idempotencyKey', [['samples', m.samples]], (sample) => sample.idempotencyKey);
  unique('version', [['models', m.models]], (model) => model.version);
  unique('sha256', [['blobs', m.blobs]], (blob) => blob.sha256);
  m.models.forEach((model, i) => unique('variant', [[`models[${i}].artifacts`, model.artifacts]], (artifact) => artifact.variant));
  const formats = UPLOAD_FORMATS[p.modality].mediaTypes;
  m.samples.forEach((sample, i) => {
    if (!formats.includes(sample.mediaType)) throw invalid(`manifest.json: samples[${i}].mediaType "${sample.mediaType}" is not one of a ${p.modality} project's (${formats.join(', ')})`);
  });
}

/** Refuses the first value of `key` that repeats across the named lists ("samples[3].id repeats samples[0].id"); null and absent values do not count. */
function unique<T>(key: string, lists: [string, T[]][], valueOf: (row: T) => unknown): void {
  const seen = new Map<unknown, string>();
  for (const [name, rows] of lists) {
    rows.forEach((row, i) => {
      const value = valueOf(row);
      if (value === null || value === undefined) return;
      const here = name === 'project' ? 'project' : `${name}[${i}]`;
      const first = seen.get(value);
      if (first !== undefined) throw invalid(`manifest.json: ${here}.${key} repeats ${first}.${key} (${truncate(JSON.stringify(value))}); each must be unique`);
      seen.set(value, here);
    });
  }
}
