import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.ts';
import { echo, OffgridError, shorten } from '../errors.ts';
import { idParam, sampleSchema } from '../schemas.ts';
import type { WireTypeProvider } from '../http/wire-types.ts';
import type { Project } from '../projects/project-store.ts';
import { checkLabelQuery, findLabel, labelSchema, normalizeLabel, parseLabel } from '../projects/labels.ts';
import { privacyRefusal, SampleStore } from './sample-store.ts';
import { IMAGE_LIMITS, IMAGE_MEDIA_TYPES } from './decode-image.ts';
import { csvSamples } from './csv-upload.ts';
import { readMultipart } from './multipart.ts';
import { cappedBuffer } from './read-body.ts';
import { acceptsCsv, AUDIO_MEDIA_TYPES, CSV_LIMITS, CSV_MEDIA_TYPE, expectedTypesText, mediaTypeOf, UPLOAD_FORMATS } from './upload-formats.ts';

/** A whole dataset upload, after decompression; bigger datasets go up in several requests. */
export const MAX_DATASET_BYTES = 256 * 1024 * 1024;
/** In a multipart dataset, this text field (sent before the files) maps filenames to their hex sha256. */
export const CHECKSUMS_FIELD = 'checksums';

type UploadRoute = { Params: { projectId: string }; Querystring: { label?: string }; Body: Buffer | Readable | undefined };
type SampleResult = Record<string, unknown>;

const sha256Header = { type: 'string', pattern: '^[0-9a-fA-F]{64}$', description: 'Hex sha256 of the (uncompressed) body; a mismatch gets 400 and nothing is stored.' } as const;

/** Raw bodies of the other modalities (images keep their own parser above); their caps depend on the project's modality. */
const RAW_MEDIA_TYPES = [...AUDIO_MEDIA_TYPES, 'application/json', 'text/plain', CSV_MEDIA_TYPE];

const where = {
  filename: { type: 'string', description: 'Multipart uploads: the file part.' },
  line: { type: 'integer', description: 'CSV uploads: the line the row starts on (the header is line 1).' },
} as const;

/** One file or row of a dataset upload: stored (or already there), or refused with the reason. */
const resultItem = {
  oneOf: [
    {
      type: 'object', title: 'StoredSampleResult', required: ['ok', 'label', 'sample', 'duplicate'],
      properties: { ok: { type: 'boolean', enum: [true] }, ...where, label: { type: 'string', description: "The project's label the sample was stored under." }, sample: sampleSchema, duplicate: { type: 'boolean' } },
    },
    {
      type: 'object', title: 'RefusedSampleResult', required: ['ok', 'error'],
      properties: {
        ok: { type: 'boolean', enum: [false] }, ...where, label: { type: 'string', description: 'When the file or row named one, as sent (its first 80 characters).' },
        error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } },
      },
    },
  ],
} as const;

export async function sampleRoutes(untyped: FastifyInstance, { projects, samples }: ServerContext): Promise<void> {
  const app = untyped.withTypeProvider<WireTypeProvider>();
  addUploadParsers(untyped, projects);

  app.get('/projects/:projectId/samples', {
    config: { access: 'device' },
    schema: {
      operationId: 'listSamples', summary: "List a project's samples, oldest first (paged)", tags: ['samples'],
      params: { type: 'object', required: ['projectId'], properties: { projectId: idParam } },
      querystring: {
        type: 'object', additionalProperties: false,
        properties: { label: labelSchema, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 200 }, after: idParam },
      },
      response: { 200: { type: 'object', required: ['samples'], properties: { samples: { type: 'array', items: sampleSchema }, nextAfter: { type: 'string' } } } },
    },
    preValidation: checkLabelQuery,
  }, async (request) => {
    const project = projects.get(request.params.projectId);
    const { label, ...page } = request.query;
    return samples.page(project.id, label === undefined ? page : { ...page, label: findLabel(project.labels, label) ?? normalizeLabel(label) });
  });

  app.post<UploadRoute>('/projects/:projectId/samples', {
    config: { access: 'device', maxDecodedBytes: MAX_DATASET_BYTES },
    schema: {
      operationId: 'uploadSamples', summary: "Upload one sample (raw body, ?label=), a multipart dataset (field name = label) or a CSV (tabular and text projects)", tags: ['samples'],
      description: `The body's type follows the project's modality (docs/modalities.md): image/jpeg|png|webp (image, at most ${IMAGE_LIMITS.maxBytes} bytes), audio/wav (audio: PCM or float, 8–48 kHz, at most 10 s), application/json (motion: an offgrid.motion.v1 recording; tabular: {"features": number[]}), text/plain; charset=utf-8 (text: 1–5000 characters). Tabular and text projects also take text/csv with a header (label + the feature columns, or text + label): one sample per row, a result per row. Multipart: each file part's field name is its label; an optional "${CHECKSUMS_FIELD}" text field sent first maps filenames to hex sha256. A body of the wrong type for the project gets 415 naming the expected one. Any body may be sent with Content-Encoding: gzip (decoded-size caps apply).`,
      params: { type: 'object', required: ['projectId'], properties: { projectId: idParam } },
      querystring: { type: 'object', properties: { label: labelSchema } },
      headers: { type: 'object', properties: { 'idempotency-key': { type: 'string', maxLength: 200 }, 'x-checksum-sha256': sha256Header } },
      response: {
        201: { type: 'object', required: ['sample', 'duplicate'], properties: { sample: sampleSchema, duplicate: { type: 'boolean' } } },
        200: {
          type: 'object', required: ['results'],
          properties: {
            results: { type: 'array', items: resultItem },
          },
        },
      },
    },
    // Before the body is read: an unknown project or a body of the wrong type is refused without reading it.
    onRequest: async (request) => {
      const project = projects.get(request.params.projectId);
      if (project.samplesStayOnDevice) throw privacyRefusal();
      checkContentType(project, request.headers['content-type']);
    },
    preValidation: checkLabelQuery,
  }, async (request, reply) => {
    const project = projects.get(request.params.projectId);
    const mediaType = mediaTypeOf(request.headers['content-type']);
    const idempotencyKey = request.headers['idempotency-key'] as string | undefined;
    const expectedSha256 = request.headers['x-checksum-sha256'] as string | undefined;
    if (mediaType === CSV_MEDIA_TYPE) return reply.code(200).send({ results: await addCsv(samples, project, request.body as Buffer, { idempotencyKey, expectedSha256 }) });
    if (mediaType === 'multipart/form-data') {
      const { maxBytes, limitText } = UPLOAD_FORMATS[project.modality];
      // Dataset upload: one result per file, so one bad file does not reject the good ones.
      const results: SampleResult[] = [];
      let checksums: Record<string, string> = {};
      await readMultipart(request.body as Readable, request.headers, { fileSize: maxBytes, totalBytes: MAX_DATASET_BYTES }, async (part) => {
        if (part.type === 'field') {
          if (part.fieldname === CHECKSUMS_FIELD) checksums = parseChecksums(part.value);
          return;
        }
        const { fieldname, filename } = part;
        try {
          if (part.truncated) throw new OffgridError('TOO_LARGE', `${echo(filename)} is larger than ${maxBytes} bytes: ${limitText}.`);
          const stored = await samples.add(project, parseLabel(fieldname, 'The field name'), part.bytes, { expectedSha256: checksums[filename] });
          results.push({ ok: true, filename, label: stored.sample.label, ...stored });
        } catch (error) {
          if (!(error instanceof OffgridError)) throw error;
          results.push({ ok: false, filename, label: shorten(fieldname), ...error.toBody() });
        }
      });
      return reply.code(200).send({ results });
    }
    const label = request.query.label;
    if (!label) throw new OffgridError('VALIDATION', `Say which label this ${project.modality} sample has: add "?label=<label>" to the URL.`);
    if (!Buffer.isBuffer(request.body)) throw new OffgridError('UNSUPPORTED_MEDIA_TYPE', `Send the sample as the request body with Content-Type ${expectedTypesText(project)}.`);
    return reply.code(201).send(await samples.add(project, label, request.body, { idempotencyKey, expectedSha256 }));
  });
}

/** 415 unless the Content-Type is one the project's modality takes (text must be UTF-8). */
/** The body parsers of the upload route (the plugin's only route that takes bodies other than JSON). */
function addUploadParsers(app: FastifyInstance, projects: ServerContext['projects']): void {
  // Raw image bodies arrive as one Buffer; the byte cap is enforced while streaming (after gunzip), before anything is decoded.
  app.addContentTypeParser([...IMAGE_MEDIA_TYPES], { parseAs: 'buffer', bodyLimit: IMAGE_LIMITS.maxBytes }, (_request, body, done) => done(null, body));
  // Audio, motion/tabular JSON, text and CSV: buffered up to the project's modality's cap (only the upload route takes bodies here).
  app.addContentTypeParser(RAW_MEDIA_TYPES, cappedBuffer((request) => {
    const project = projects.get((request.params as { projectId: string }).projectId);
    return mediaTypeOf(request.headers['content-type']) === CSV_MEDIA_TYPE
      ? { maxBytes: CSV_LIMITS.maxBytes, limitText: `CSV uploads are limited to ${CSV_LIMITS.maxBytes / 1024 / 1024} MiB; split the file` }
      : UPLOAD_FORMATS[project.modality];
  }));
  // Datasets stream through the handler; the payload is already gunzipped when the client compressed it.
  app.addContentTypeParser('multipart/form-data', (_request, payload, done) => done(null, payload));
}

function checkContentType(project: Project, contentType: string | undefined): void {
  const mediaType = mediaTypeOf(contentType);
  if (mediaType === 'multipart/form-data' || (mediaType === CSV_MEDIA_TYPE && acceptsCsv(project))) return;
  if (UPLOAD_FORMATS[project.modality].mediaTypes.includes(mediaType)) {
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1]?.toLowerCase();
    if (mediaType.startsWith('text/') && charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      throw new OffgridError('UNSUPPORTED_MEDIA_TYPE', `Text must be UTF-8; this body says charset=${shorten(charset)}. Send it as ${mediaType}; charset=utf-8.`);
    }
    return;
  }
  throw new OffgridError('UNSUPPORTED_MEDIA_TYPE', `This ${project.modality} project takes Content-Type ${expectedTypesText(project)}; got ${shorten(mediaType) || 'no Content-Type'}.`);
}

/** A CSV upload: the whole file's checksum first, then one result per row; bad rows do not stop the good ones. */
async function addCsv(samples: SampleStore, project: Project, body: Buffer, options: { idempotencyKey?: string; expectedSha256?: string }): Promise<SampleResult[]> {
  if (options.expectedSha256 !== undefined) SampleStore.checkSha256(body, options.expectedSha256);
  const results: SampleResult[] = [];
  for (const row of csvSamples(project, body)) {
    try {
      if ('error' in row) throw row.error;
      const label = SampleStore.checkLabel(project, row.label);
      // One key per row, so a retried file is idempotent row by row.
      const key = options.idempotencyKey ? `${options.idempotencyKey}#${row.line}` : undefined;
      const earlier = samples.byIdempotencyKey(project, key);
      if (earlier) await samples.whenDurable();
      const stored = earlier ?? await samples.store(project, label, row.sample, key);
      results.push({ ok: true, line: row.line, label, ...stored });
    } catch (error) {
      if (!(error instanceof OffgridError)) throw error;
      results.push({ ok: false, line: row.line, ...(row.label !== undefined ? { label: shorten(row.label) } : {}), ...error.toBody() });
    }
  }
  return results;
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
