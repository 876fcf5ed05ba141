import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.ts';
import { OffgridError } from '../errors.ts';
import { parseRange } from '../http/range.ts';
import { idParam, trainReportSchema } from '../schemas.ts';
import type { WireTypeProvider } from '../http/wire-types.ts';
import { MODEL_FILE_VARIANTS, type ModelVersion } from './model-store.ts';

export const modelParams = { type: 'object', required: ['modelId'], properties: { modelId: idParam } } as const;

/**
 * The report page is inline CSS and SVG, nothing else: no script runs on the app's origin (where the app keeps its
 * key) even if a page were ever stored with some, and `sandbox` gives the page an origin of its own.
 */
export const REPORT_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox";

/** A model version's files: the report (JSON and page) and the downloads phones take (with ETag and ranges). */
export async function modelFileRoutes(untyped: FastifyInstance, { models, blobs }: ServerContext): Promise<void> {
  const app = untyped.withTypeProvider<WireTypeProvider>();
  app.get('/models/:modelId/report', {
    config: { access: 'device' },
    schema: {
      operationId: 'getModelReport', summary: "The training report (report.json): winner, test metrics for float32 and int8, sizes and every trial's learning curve", tags: ['models'],
      params: modelParams, response: { 200: trainReportSchema },
    },
  }, async (request, reply) => {
    const path = blobs.pathOf(reportOf(models.get(request.params.modelId), 'report').sha256);
    return reply.type('application/json').send(JSON.parse(await readFile(path, 'utf8')));
  });

  app.get('/models/:modelId/report.html', {
    config: { access: 'device' },
    schema: { operationId: 'getModelReportHtml', summary: 'The training report as a self-contained page (leaderboard, learning curves, confusion matrix)', tags: ['models'], params: modelParams, produces: ['text/html'] },
  }, async (request, reply) => {
    const artifact = reportOf(models.get(request.params.modelId), 'report-html');
    return reply.type('text/html; charset=utf-8').header('content-security-policy', REPORT_PAGE_CSP).header('x-content-type-options', 'nosniff')
      .header('content-length', artifact.sizeBytes).send(createReadStream(blobs.pathOf(artifact.sha256)));
  });

  app.get('/models/:modelId/download', {
    config: { access: 'device' },
    schema: {
      operationId: 'downloadModel', summary: 'Download a model file (.tflite: float32, int8, trunk-int8, trunk-float32), its probe samples or its head (JSON); supports ETag/If-None-Match and single byte ranges', tags: ['models'],
      params: modelParams,
      querystring: { type: 'object', properties: { variant: { type: 'string', enum: MODEL_FILE_VARIANTS, default: 'float32' } } },
    },
  }, async (request, reply) => {
    const model = models.get(request.params.modelId);
    const artifact = model.artifacts.find((a) => a.variant === request.query.variant);
    if (!artifact) {
      throw new OffgridError('NOT_FOUND', `Model ${model.id} has no ${request.query.variant} file; available: ${model.artifacts.map((a) => a.variant).join(', ')}.`);
    }
    const etag = `"${artifact.sha256}"`;
    const size = artifact.sizeBytes;
    reply.header('etag', etag).header('x-checksum-sha256', artifact.sha256).header('cache-control', 'private, max-age=0, must-revalidate')
      .header('accept-ranges', 'bytes');
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    // A resumed download continues only if the file is still the one it started (If-Range); otherwise it gets everything.
    const ifRange = request.headers['if-range'];
    const range = ifRange === undefined || ifRange === etag ? parseRange(request.headers.range, size) : undefined;
    if (range === 'unsatisfiable') {
      throw new OffgridError('RANGE_NOT_SATISFIABLE', `The requested range is outside the file (${size} bytes). Ask for bytes=0-${size - 1} or drop the Range header.`, { 'content-range': `bytes */${size}` });
    }
    const json = artifact.variant === 'probes' || artifact.variant === 'head';
    const extension = json ? 'json' : 'tflite';
    reply.type(json ? 'application/json' : 'application/octet-stream').header('content-disposition', `attachment; filename="model-v${model.version}-${artifact.variant}.${extension}"`);
    const path = blobs.pathOf(artifact.sha256);
    if (!range) return reply.header('content-length', size).send(createReadStream(path));
    return reply.code(206)
      .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
      .header('content-length', range.end - range.start + 1)
      .send(createReadStream(path, { start: range.start, end: range.end }));
  });
}

function reportOf(model: ModelVersion, variant: 'report' | 'report-html') {
  const artifact = model.artifacts.find((a) => a.variant === variant);
  if (!artifact) throw new OffgridError('NOT_FOUND', `Model v${model.version} (${model.id}) has no training report: it was trained before jobs ran the search.`);
  return artifact;
}
