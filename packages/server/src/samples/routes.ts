import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.ts';
import { OffgridError } from '../errors.ts';
import { idParam, sampleSchema } from '../schemas.ts';
import { IMAGE_LIMITS, IMAGE_MEDIA_TYPES } from './decode-image.ts';
import { readMultipart } from './multipart.ts';

/** A whole dataset upload, after decompression; bigger datasets go up in several requests. */
export const MAX_DATASET_BYTES = 256 * 1024 * 1024;
/** In a multipart dataset, this text field (sent before the files) maps filenames to their hex sha256. */
export const CHECKSUMS_FIELD = 'checksums';

type UploadRequest = FastifyRequest<{ Params: { projectId: string }; Querystring: { label?: string }; Body: Buffer | Readable | undefined }>;
type SampleResult = Record<string, unknown>;

const sha256Header = { type: 'string', pattern: '^[0-9a-fA-F]{64}$', description: 'Hex sha256 of the (uncompressed) image; a mismatch gets 400 and nothing is stored.' } as const;

export async function sampleRoutes(app: FastifyInstance, { projects, samples }: ServerContext): Promise<void> {
  // Raw image bodies arrive as one Buffer; the byte cap is enforced while streaming (after gunzip), before anything is decoded.
  app.addContentTypeParser([...IMAGE_MEDIA_TYPES], { parseAs: 'buffer', bodyLimit: IMAGE_LIMITS.maxBytes }, (_request, body, done) => done(null, body));
  // Datasets stream through the handler; the payload is already gunzipped when the client compressed it.
  app.addContentTypeParser('multipart/form-data', (_request, payload, done) => done(null, payload));

  app.get<{ Params: { projectId: string }; Querystring: { label?: string; limit: number; after?: string } }>('/projects/:projectId/samples', {
    schema: {
      summary: "List a project's samples, oldest first (paged)", tags: ['samples'],
      params: { type: 'object', properties: { projectId: idParam } },
      querystring: {
        type: 'object', additionalProperties: false,
        properties: { label: { type: 'string', maxLength: 64 }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 200 }, after: idParam },
      },
      response: { 200: { type: 'object', required: ['samples'], properties: { samples: { type: 'array', items: sampleSchema }, nextAfter: { type: 'string' } } } },
    },
  }, async (request) => samples.page(projects.get(request.params.projectId).id, request.query));

  app.post('/projects/:projectId/samples', {
    config: { maxDecodedBytes: MAX_DATASET_BYTES },
    schema: {
      summary: 'Upload one image (raw body, ?label=) or a multipart dataset (field name = label)', tags: ['samples'],
      description: `Raw body: image/jpeg, image/png or image/webp, at most ${IMAGE_LIMITS.maxBytes} bytes. Multipart: each file part's field name is its label; an optional "${CHECKSUMS_FIELD}" text field sent first maps filenames to hex sha256. Either may be sent with Content-Encoding: gzip (decoded-size caps apply).`,
      params: { type: 'object', properties: { projectId: idParam } },
      querystring: { type: 'object', properties: { label: { type: 'string', minLength: 1, maxLength: 64 } } },
      headers: { type: 'object', properties: { 'idempotency-key': { type: 'string', maxLength: 200 }, 'x-checksum-sha256': sha256Header } },
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
    if ((request.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data')) {
      // Dataset upload: one result per file, so one bad file does not reject the good ones.
      const results: SampleResult[] = [];
      let checksums: Record<string, string> = {};
      await readMultipart(request.body as Readable, request.headers, { fileSize: IMAGE_LIMITS.maxBytes, totalBytes: MAX_DATASET_BYTES }, async (part) => {
        if (part.type === 'field') {
          if (part.fieldname === CHECKSUMS_FIELD) checksums = parseChecksums(part.value);
          return;
        }
        const { fieldname: label, filename } = part;
        try {
          if (part.truncated) throw new OffgridError('TOO_LARGE', `"${filename}" is larger than ${IMAGE_LIMITS.maxBytes} bytes; downsample it before uploading.`);
          results.push({ ok: true, filename, label, ...(await samples.add(project, label, part.bytes, { expectedSha256: checksums[filename] })) });
        } catch (error) {
          if (!(error instanceof OffgridError)) throw error;
          results.push({ ok: false, filename, label, error: { code: error.code, message: error.message } });
        }
      });
      return reply.code(200).send({ results });
    }
    const label = request.query.label;
    if (!label) throw new OffgridError('VALIDATION', 'Say which label this image has: add "?label=<label>" to the URL.');
    if (!Buffer.isBuffer(request.body) || request.body.length === 0) {
      throw new OffgridError('UNSUPPORTED_MEDIA_TYPE', `Send the image as the request body with Content-Type ${IMAGE_MEDIA_TYPES.join(', ')}, or a multipart/form-data dataset.`);
    }
    const idempotencyKey = request.headers['idempotency-key'] as string | undefined;
    const expectedSha256 = request.headers['x-checksum-sha256'] as string | undefined;
    return reply.code(201).send(await samples.add(project, label, request.body, { idempotencyKey, expectedSha256 }));
  });
}

function parseChecksums(value: string): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && Object.values(parsed).every((v) => typeof v === 'string')) return parsed as Record<string, string>;
  } catch {
    // reported below
  }
  throw new OffgridError('VALIDATION', `The "${CHECKSUMS_FIELD}" field must be a JSON object mapping filenames to hex sha256, e.g. {"a.jpg":"9f86…"}.`);
}
