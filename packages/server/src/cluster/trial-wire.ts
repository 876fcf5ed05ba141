import { createHash } from 'node:crypto';
import type { TrialRequest, TrialResult } from '@offgrid/engine';

/**
 * How a trial travels between the coordinator and a worker. The samples go once, as a content-addressed blob
 * (every trial of a family trains on the same view, so a worker downloads it once and keeps it); the rest of
 * the request is small JSON in the BullMQ job. A result comes back as JSON with the model as base64.
 */

/** A trial's samples as bytes: "OGTD", uint32 header length, JSON header, padding to 4, x (float32), targets, groups (int32). */
export function encodeTrialData(data: TrialRequest['data']): Uint8Array {
  const count = data.targets.length;
  const header = new TextEncoder().encode(JSON.stringify({ shape: data.shape, count, groups: data.groups !== undefined }));
  const start = Math.ceil((8 + header.length) / 4) * 4;
  const bytes = new Uint8Array(start + data.x.byteLength + count * 4 * (data.groups ? 2 : 1));
  bytes.set(new TextEncoder().encode('OGTD'), 0);
  new DataView(bytes.buffer).setUint32(4, header.length, true);
  bytes.set(header, 8);
  bytes.set(new Uint8Array(data.x.buffer, data.x.byteOffset, data.x.byteLength), start);
  new Int32Array(bytes.buffer, start + data.x.byteLength, count).set(Array.from(data.targets));
  if (data.groups) new Int32Array(bytes.buffer, start + data.x.byteLength + count * 4, count).set(Array.from(data.groups));
  return bytes;
}

export function decodeTrialData(bytes: Uint8Array): TrialRequest['data'] {
  if (new TextDecoder().decode(bytes.subarray(0, 4)) !== 'OGTD') throw new Error('Not trial data (no OGTD header): the download is corrupt or from another version.');
  // A copy on a 4-aligned buffer: a Buffer from a file or a socket may start at any offset.
  const own = bytes.slice();
  const length = new DataView(own.buffer).getUint32(4, true);
  const { shape, count, groups } = JSON.parse(new TextDecoder().decode(own.subarray(8, 8 + length))) as { shape: number[]; count: number; groups: boolean };
  const start = Math.ceil((8 + length) / 4) * 4;
  const size = (own.byteLength - start - count * 4 * (groups ? 2 : 1)) / 4;
  const x = new Float32Array(own.buffer, start, size);
  const targets = new Int32Array(own.buffer, start + size * 4, count);
  return { x, shape, targets, ...(groups ? { groups: new Int32Array(own.buffer, start + size * 4 + count * 4, count) } : {}) };
}

export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** What a BullMQ trial job carries: the request without its bytes, which are fetched by sha256. */
export interface TrialJobData {
  trialId: string;
  request: Omit<TrialRequest, 'data' | 'checkpoint' | 'initialWeights'>;
  dataSha256: string;
  initialWeightsSha256?: string;
}

/** A result as JSON: the model bytes as base64, everything else as the engine returned it. */
export type WireResult = Omit<TrialResult, 'tflite'> & { tflite: string };

export function resultToWire(result: TrialResult): WireResult {
  return { ...result, tflite: Buffer.from(result.tflite.buffer, result.tflite.byteOffset, result.tflite.byteLength).toString('base64') };
}

export function resultFromWire(wire: WireResult): TrialResult {
  return { ...wire, tflite: new Uint8Array(Buffer.from(wire.tflite, 'base64')) };
}
