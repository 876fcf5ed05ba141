import type { Readable } from 'node:stream';
import type { IncomingHttpHeaders } from 'node:http';
import { Busboy, type BusboyHeaders, type BusboyInstance } from '@fastify/busboy';
import { OffgridError } from '../errors.ts';

export type Part =
  | { type: 'file'; fieldname: string; filename: string; bytes: Buffer; truncated: boolean }
  | { type: 'field'; fieldname: string; value: string };

export interface MultipartLimits {
  /** Per file; a longer file is reported as truncated (its rest is discarded). */
  fileSize: number;
  /** The whole body, after decompression. */
  totalBytes: number;
}

/**
 * Reads a multipart/form-data body into parts, in the order they were sent, calling `onPart` for each and
 * awaiting it before the next (so per-file work runs one at a time). Rejects with 413 once the body passes
 * `totalBytes`; parts handled before that keep their results.
 */
export async function readMultipart(body: Readable, headers: IncomingHttpHeaders, limits: MultipartLimits, onPart: (part: Part) => Promise<void>): Promise<void> {
  let parser: BusboyInstance;
  try {
    parser = Busboy({ headers: headers as BusboyHeaders, limits: { fileSize: limits.fileSize, fields: 1000, fieldSize: 1024 * 1024 } });
  } catch (error) {
    throw new OffgridError('VALIDATION', `The multipart body cannot be read (${(error as Error).message}). Send it as multipart/form-data with a boundary.`);
  }
  return new Promise<void>((resolve, reject) => {
    let chain = Promise.resolve();
    let failed = false;
    let received = 0;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      body.unpipe(parser);
      reject(error);
    };
    const enqueue = (part: Part) => {
      chain = chain.then(() => (failed ? undefined : onPart(part))).catch(fail);
    };
    parser.on('file', (fieldname, stream, filename) => {
      const chunks: Buffer[] = [];
      let truncated = false;
      stream.on('data', (chunk: Buffer) => { if (!truncated) chunks.push(chunk); });
      stream.on('limit', () => { truncated = true; chunks.length = 0; });
      // A body that stops inside a file part errors this stream; without a listener that error would end the process.
      stream.on('error', (error: Error) => fail(new OffgridError('VALIDATION', `The multipart body ends inside the file "${filename}" (${error.message}). Send the whole body again.`)));
      stream.on('end', () => enqueue({ type: 'file', fieldname, filename, bytes: Buffer.concat(chunks), truncated }));
    });
    parser.on('field', (fieldname, value) => enqueue({ type: 'field', fieldname, value }));
    parser.on('error', (error: Error) => fail(new OffgridError('VALIDATION', `The multipart body is malformed (${error.message}). Send it as multipart/form-data with the boundary its Content-Type names.`)));
    parser.on('finish', () => { chain.then(() => { if (!failed) resolve(); }, fail); });
    body.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > limits.totalBytes) fail(new OffgridError('TOO_LARGE', `The dataset upload is larger than ${limits.totalBytes} bytes; files before the limit were stored (see their results on a retry). Split it into several uploads.`));
    });
    body.on('error', fail);
    body.pipe(parser);
  });
}
