import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.ts';
import { OffgridError } from '../errors.ts';
import { idParam, sampleSchema } from '../schemas.ts';
import { IMAGE_LIMITS, IMAGE_MEDIA_TYPES } from './decode-image.ts';

type UploadRequest = FastifyRequest<{ Params: { projectId: string }; Querystring: { label?: string }; Body: Buffer | undefined }>;

export async function sampleRoutes(app: FastifyInstance, { projects, samples }: ServerContext): Promise<void> {
  // Raw image bodies arrive as one Buffer; the byte cap is enforced while streaming, before anything is decoded.
  app.addContentTypeParser([...IMAGE_MEDIA_TYPES], { parseAs: 'buffer', bodyLimit: IMAGE_LIMITS.maxBytes }, (_request, body, done) => done(null, body));

  app.post('/projects/:projectId/samples', {
    schema: {
      params: { type: 'object', properties: { projectId: idParam } },
      querystring: { type: 'object', properties: { label: { type: 'string', minLength: 1, maxLength: 64 } } },
      headers: { type: 'object', properties: { 'idempotency-key': { type: 'string', maxLength: 200 } } },
      response: {
        201: { type: 'object', required: ['sample', 'duplicate'], properties: { sample: sampleSchema, duplicate: { type: 'boolean' } } },
        200: {
          type: 'object', required: ['results'],
          properties: {
            results: {
              type: 'array',
              items: { type: 'object', properties: { ok: { type: 'boolean' }, filename: { type: 'string' }, label: { type: 'string' }, sample: sampleSchema, duplicate: { type: 'boolean' }, error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } } },
            },
          },
        },
      },
    },
  }, async (request: UploadRequest, reply) => {
    const project = projects.get(request.params.projectId);
    if (request.isMultipart()) {
      // Dataset upload: one result per file, so one bad file does not reject the good ones.
      const results = [];
      for await (const part of request.parts({ limits: { fileSize: IMAGE_LIMITS.maxBytes } })) {
        if (part.type !== 'file') continue;
        const label = part.fieldname;
        try {
          const bytes = await part.toBuffer();
          results.push({ ok: true, filename: part.filename, label, ...(await samples.add(project, label, bytes)) });
        } catch (error) {
          const known = error instanceof OffgridError ? error : new OffgridError('TOO_LARGE', `"${part.filename}" is larger than ${IMAGE_LIMITS.maxBytes} bytes.`);
          if (!(error instanceof OffgridError) && (error as { code?: string }).code !== 'FST_REQ_FILE_TOO_LARGE') throw error;
          results.push({ ok: false, filename: part.filename, label, error: { code: known.code, message: known.message } });
        }
      }
      return reply.code(200).send({ results });
    }
    const label = request.query.label;
    if (!label) throw new OffgridError('VALIDATION', 'Say which label this image has: add "?label=<label>" to the URL.');
    if (!Buffer.isBuffer(request.body) || request.body.length === 0) {
      throw new OffgridError('UNSUPPORTED_MEDIA_TYPE', `Send the image as the request body with Content-Type ${IMAGE_MEDIA_TYPES.join(', ')}, or a multipart/form-data dataset.`);
    }
    const idempotencyKey = request.headers['idempotency-key'] as string | undefined;
    return reply.code(201).send(await samples.add(project, label, request.body, idempotencyKey));
  });
}
