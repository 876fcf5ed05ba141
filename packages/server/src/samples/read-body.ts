import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { OffgridError } from '../errors.ts';

/**
 * A content-type parser that buffers the (already gunzipped) body up to a cap that depends on the request
 * (the project's modality), and refuses past it with a 413 that names the modality's limit. Reading stops
 * at the cap, so a gzip bomb is never inflated further.
 */
export function cappedBuffer(capOf: (request: FastifyRequest) => { maxBytes: number; limitText: string }) {
  return (request: FastifyRequest, payload: Readable, done: (error: Error | null, body?: Buffer) => void): void => {
    let cap: { maxBytes: number; limitText: string };
    try {
      cap = capOf(request);
    } catch (error) {
      return done(error as Error);
    }
    const tooLarge = () => new OffgridError('TOO_LARGE', `The upload is too large: ${cap.limitText} (after decompression).`);
    const declared = Number(request.headers['content-length']);
    if (!request.headers['content-encoding'] && declared > cap.maxBytes) return done(tooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > cap.maxBytes) {
        stop();
        done(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      done(null, Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      stop();
      done(error);
    };
    const stop = () => {
      payload.off('data', onData);
      payload.off('end', onEnd);
      payload.off('error', onError);
    };
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onError);
  };
}
