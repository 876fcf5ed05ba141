import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { OffgridError, shorten } from '../errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Cap on a body's size after decompression, when larger than the route's bodyLimit (streamed dataset uploads). */
    maxDecodedBytes?: number;
  }
}

/** The stream Fastify's body reader expects back from preParsing: it compares `receivedEncodedLength` with Content-Length. */
type DecodedStream = Readable & { receivedEncodedLength: number };

/**
 * Counts decoded bytes and fails with 413 past the cap. Fastify's own bodyLimit also counts decoded bytes,
 * but streaming parsers (multipart) bypass it, and a gzip bomb must stop at the cap, not after inflating.
 */
class DecodedLimit extends Transform {
  receivedEncodedLength = 0;
  private decoded = 0;
  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.decoded += chunk.length;
    if (this.decoded > this.limit) {
      callback(new OffgridError('TOO_LARGE', `The request body is larger than ${this.limit} bytes once decompressed; nothing was stored. Send smaller files or split the dataset into several uploads.`));
      return;
    }
    callback(null, chunk);
  }
}

/**
 * Accepts `Content-Encoding: gzip` on every body (images, JSON, multipart): phones on slow Wi-Fi compress
 * JSON and multipart; images are already compressed but a client may gzip everything. Inflating happens
 * while the body streams in, so the decoded-size cap holds whatever the compression ratio.
 */
export function decompressBodies(app: FastifyInstance): void {
  app.addHook('preParsing', async (request, reply, payload) => {
    const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding === 'identity' || encoding === '') return payload;
    if (encoding !== 'gzip' && encoding !== 'x-gzip') {
      throw new OffgridError('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding "${shorten(encoding)}" is not supported; send the body as is or gzip it ("Content-Encoding: gzip").`);
    }
    const config = request.routeOptions.config;
    const limit = Math.max(config.maxDecodedBytes ?? 0, request.routeOptions.bodyLimit ?? 0);
    const gunzip = createGunzip();
    const output = new DecodedLimit(limit) as DecodedLimit & DecodedStream;
    payload.on('data', (chunk: Buffer) => { output.receivedEncodedLength += chunk.length; });
    payload.on('error', (error) => output.destroy(error));
    gunzip.on('error', (error) => output.destroy(new OffgridError('VALIDATION', `The gzip body is corrupt (${error.message}). Compress it again or send it uncompressed.`)));
    // Once the body is refused or answered, stop inflating: the rest of a bomb is never decoded.
    const stop = () => {
      payload.unpipe(gunzip);
      gunzip.destroy();
    };
    output.on('error', stop);
    output.on('close', stop);
    // The response's close, not the request's: a request 'close's as soon as its body has been read.
    reply.raw.once('close', () => output.destroy());
    payload.pipe(gunzip).pipe(output);
    return output;
  });
}
