import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.ts';
import { OffgridError } from '../errors.ts';
import type { Readable } from 'node:stream';
import { idParam, projectSchema } from '../schemas.ts';
import type { WireTypeProvider } from '../http/wire-types.ts';
import { createProjectBodySchema } from './project-fields.ts';
import { parseLabel } from './labels.ts';
import { keyReaches } from '../auth/require-key.ts';
import { exportStream, importArchive, manifestOf, MAX_ARCHIVE_BYTES } from '../archive/project-archive.ts';
import { manifestChecks, type ManifestChecks } from '../archive/manifest-checks.ts';

/** Media types an archive may be posted as (gzip is detected by its magic bytes, or sent with Content-Encoding: gzip). */
export const ARCHIVE_MEDIA_TYPES = ['application/x-tar', 'application/gzip', 'application/x-gzip', 'application/octet-stream'];

export async function projectRoutes(untyped: FastifyInstance, context: ServerContext): Promise<void> {
  const app = untyped.withTypeProvider<WireTypeProvider>();
  const { projects } = context;
  // Archives stream through the import handler (to temp files while hashed), never buffered whole.
  app.addContentTypeParser(ARCHIVE_MEDIA_TYPES, (_request, payload, done) => done(null, payload));
  // An archive's rows pass the routes' own validator (compiled once the app is ready, on the first import).
  let checks: ManifestChecks | undefined;

  app.get('/projects/:projectId/export', {
    config: { access: 'admin' },
    schema: {
      operationId: 'exportProject', summary: 'Export a project as one tar archive (manifest.json + every image and model file) for backup or moving machines', tags: ['projects'],
      description: 'application/x-tar: manifest.json (project, samples with labels and sha256, dataset snapshots, jobs, models with artifacts, file list) then blobs/<sha256> for each file. Admin key.',
      params: { type: 'object', required: ['projectId'], properties: { projectId: idParam } },
      produces: ['application/x-tar'],
    },
  }, async (request, reply) => {
    const manifest = await manifestOf(context, request.params.projectId);
    const safeName = manifest.project.name.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 60) || 'project';
    return reply.type('application/x-tar').header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="offgrid-${safeName}-${manifest.project.id.slice(0, 8)}.tar"`)
      .send(exportStream(context, manifest));
  });

  app.post<{ Body: Readable }>('/projects/import', {
    config: { access: 'admin', maxDecodedBytes: MAX_ARCHIVE_BYTES },
    bodyLimit: MAX_ARCHIVE_BYTES,
    schema: {
      operationId: 'importProject', summary: 'Import a project archive made by GET /projects/:projectId/export (gzip allowed); all or nothing', tags: ['projects'],
      description: `Body: the tar (application/x-tar), or gzipped (application/gzip, or Content-Encoding: gzip); at most ${MAX_ARCHIVE_BYTES} bytes decompressed. Every file's sha256 and size are verified and every row must pass the same schemas and limits as the API (a project as POST /projects takes it); a corrupt, truncated, inconsistent or invalid archive gets 400 naming the field, and nothing is stored. Report pages are rendered again from each model's report.json, never taken from the archive. Ids are kept: 409 when the project already exists here. Admin key.`,
      response: {
        201: {
          type: 'object', required: ['project', 'imported'],
          properties: {
            project: projectSchema,
            imported: {
              type: 'object', required: ['samples', 'datasets', 'jobs', 'models', 'blobs'], description: 'What the archive held: rows inserted and files stored.',
              properties: { samples: { type: 'integer' }, datasets: { type: 'integer' }, jobs: { type: 'integer' }, models: { type: 'integer' }, blobs: { type: 'integer' } },
            },
          },
        },
      },
    },
  }, async (request, reply) => {
    if (!request.body || typeof (request.body as Readable).pipe !== 'function') {
      throw new OffgridError('UNSUPPORTED_MEDIA_TYPE', `Send the archive as the request body with Content-Type ${ARCHIVE_MEDIA_TYPES.join(', ')}.`);
    }
    checks ??= manifestChecks(app.validatorCompiler!);
    return reply.code(201).send(await importArchive(context, request.body as AsyncIterable<Buffer>, checks));
  });

  app.get('/projects', {
    config: { access: 'device' },
    schema: { operationId: 'listProjects', summary: "List projects (a device key sees the projects in its scope)", tags: ['projects'], response: { 200: { type: 'object', required: ['projects'], properties: { projects: { type: 'array', items: projectSchema } } } } },
  }, async (request) => ({ projects: projects.list().filter((project) => keyReaches(request.apiKey, project.id)) }));

  app.post('/projects', {
    config: { access: 'device' },
    schema: {
      operationId: 'createProject', summary: 'Create a project with its labels and modality', tags: ['projects'],
      description: 'modality (default image) and task (default classify) are fixed at creation; see docs/modalities.md. task "anomaly" is for motion and tabular projects and needs a label "normal"; tabular projects need featureNames; settings override the modality\'s preprocessing defaults.',
      body: createProjectBodySchema,
      response: { 201: projectSchema },
    },
    // Before the schema: Fastify's validator would turn labels: [1, 2] into ["1", "2"], and its pattern message says no fix.
    preValidation: async (request) => checkNameLists(request.body),
  }, async (request, reply) => {
    const { name, labels, ...fields } = request.body;
    // The phone that creates a project may reach it; both rows commit together.
    const project = context.db.transaction(() => {
      const created = projects.create(name, labels, fields);
      if (request.apiKey?.projectIds) context.keys.grant(request.apiKey.id, created.id);
      return created;
    })();
    return reply.code(201).send(project);
  });

  app.get('/projects/:projectId', {
    config: { access: 'device' },
    schema: { operationId: 'getProject', summary: 'One project with its sample counts and active model', tags: ['projects'], params: { type: 'object', required: ['projectId'], properties: { projectId: idParam } }, response: { 200: projectSchema } },
  }, async (request) => projects.get(request.params.projectId));
}

/** The labels and featureNames of a create body as sent (each a JSON string, one line of text); the store normalizes them. */
function checkNameLists(body: unknown): void {
  if (typeof body !== 'object' || body === null) return;
  const { labels, featureNames } = body as { labels?: unknown; featureNames?: unknown };
  if (labels !== undefined && !Array.isArray(labels)) throw new OffgridError('VALIDATION', 'labels must be a JSON array of strings, like ["cat", "dog"].');
  if (Array.isArray(labels)) labels.forEach((label, i) => parseLabel(label, `labels[${i}]`));
  if (featureNames !== undefined && !Array.isArray(featureNames)) throw new OffgridError('VALIDATION', 'featureNames must be a JSON array of strings, like ["temp", "rpm"].');
  if (Array.isArray(featureNames)) featureNames.forEach((name, i) => parseLabel(name, `featureNames[${i}]`, 'feature name'));
}
