import { OffgridError } from '../errors.ts';

/** Minimal ustar (POSIX tar) writing and streaming reading: regular files only, names under 100 bytes. */
const BLOCK = 512;

export function tarHeader(name: string, size: number, mtime = 0): Buffer {
  const header = Buffer.alloc(BLOCK);
  if (Buffer.byteLength(name) >= 100) throw new Error(`tar entry name too long: ${name}`);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100, 8, 'ascii');
  header.write('0000000\0', 108, 8, 'ascii');
  header.write('0000000\0', 116, 8, 'ascii');
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 12, 'ascii');
  header.write(`${Math.floor(mtime / 1000).toString(8).padStart(11, '0')}\0`, 136, 12, 'ascii');
  header.write('        ', 148, 8, 'ascii');
  header.write('0', 156, 1, 'ascii');
  header.write('ustar\0', 257, 6, 'ascii');
  header.write('00', 263, 2, 'ascii');
  header.write(`${checksumOf(header).toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return header;
}

export function tarPadding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** Two zero blocks end an archive. */
export const TAR_END = Buffer.alloc(2 * BLOCK);

function checksumOf(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i];
  return sum;
}

const corrupt = (why: string) => new OffgridError('VALIDATION', `The archive is corrupt or truncated (${why}); nothing was imported. Export it again.`);

/** Pulls exact byte counts from a stream of chunks, counting everything against a cap. */
class ByteReader {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly chunks: AsyncIterator<Buffer>;
  private total = 0;

  constructor(source: AsyncIterable<Buffer>, private readonly limit: number) {
    this.chunks = source[Symbol.asyncIterator]();
  }

  /** Up to `max` bytes (at least one), or null at the end of the stream. */
  async some(max: number): Promise<Buffer | null> {
    if (this.buffer.length === 0) {
      const next = await this.chunks.next();
      if (next.done) return null;
      this.total += next.value.length;
      if (this.total > this.limit) throw new OffgridError('TOO_LARGE', `The archive is larger than ${this.limit} bytes (decompressed); nothing was imported.`);
      this.buffer = next.value;
    }
    const out = this.buffer.subarray(0, max);
    this.buffer = this.buffer.subarray(out.length);
    return out;
  }

  async exactly(size: number, what: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    let need = size;
    while (need > 0) {
      const part = await this.some(need);
      if (!part) throw corrupt(`it ends inside ${what}`);
      parts.push(part);
      need -= part.length;
    }
    return Buffer.concat(parts);
  }
}

export interface TarEntry {
  name: string;
  size: number;
  /** Streams the entry's bytes; must be consumed (or skipped) before the next entry. */
  read(): AsyncGenerator<Buffer>;
}

/** Reads regular-file entries; refuses bad header checksums, non-ustar headers and an archive without its end marker. */
export async function* readTar(source: AsyncIterable<Buffer>, limit: number): AsyncGenerator<TarEntry> {
  const reader = new ByteReader(source, limit);
  for (;;) {
    const header = await reader.exactly(BLOCK, 'a header');
    if (header.every((byte) => byte === 0)) return; // end marker (the second zero block is optional for readers)
    const stored = parseInt(header.subarray(148, 156).toString('ascii').replace(/\0.*$/s, '').trim(), 8);
    if (stored !== checksumOf(header)) throw corrupt('a header checksum does not match');
    if (!header.subarray(257, 262).equals(Buffer.from('ustar'))) throw corrupt('not a ustar archive');
    const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(header.subarray(124, 136).toString('ascii').replace(/\0.*$/s, '').trim() || '0', 8);
    if (!Number.isSafeInteger(size) || size < 0) throw corrupt(`entry ${name} has an invalid size`);
    const type = String.fromCharCode(header[156]);
    let consumed = false;
    const body = async function* (): AsyncGenerator<Buffer> {
      let left = size;
      while (left > 0) {
        const part = await reader.some(left);
        if (!part) throw corrupt(`it ends inside ${name}`);
        left -= part.length;
        yield part;
      }
      await reader.exactly(tarPadding(size).length, `the padding of ${name}`);
      consumed = true;
    };
    if (type === '0' || type === '\0') {
      yield { name, size, read: body };
    }
    if (!consumed) for await (const _ of body()) { /* skip directories, pax headers, unread entries */ }
  }
}
