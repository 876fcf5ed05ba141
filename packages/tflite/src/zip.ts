/**
 * A minimal STORE-method (uncompressed) zip writer and reader, for the associated files
 * (labels.txt) that TFLite Metadata appends to a model. The writer takes the offset at which
 * the archive will sit, so offsets are absolute within the combined file as Python's zipfile
 * writes them when appending to a .tflite; the reader also accepts archive-relative offsets
 * (minizip, which MediaPipe uses, accepts both).
 */

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
/** 1980-01-01 00:00 in DOS format: a fixed timestamp keeps exports byte-reproducible. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const DOS_TIME = 0;
/** General purpose flag bit 11: names are UTF-8. */
const UTF8_FLAG = 0x0800;

/** Serializes `entries` as a zip archive whose first byte will sit at `baseOffset` of the file. */
export function writeZip(entries: readonly ZipEntry[], baseOffset = 0): Uint8Array {
  const encoder = new TextEncoder();
  const names = entries.map((e) => encoder.encode(e.name));
  if (new Set(entries.map((e) => e.name)).size !== entries.length) throw new Error('writeZip: duplicate entry names');
  const localSize = entries.reduce((sum, e, i) => sum + 30 + names[i].length + e.data.length, 0);
  const centralSize = names.reduce((sum, n) => sum + 46 + n.length, 0);
  const out = new Uint8Array(localSize + centralSize + 22);
  const view = new DataView(out.buffer);
  let at = 0;
  const u16 = (v: number) => {
    view.setUint16(at, v, true);
    at += 2;
  };
  const u32 = (v: number) => {
    view.setUint32(at, v >>> 0, true);
    at += 4;
  };
  const offsets: number[] = [];
  const crcs = entries.map((e) => crc32(e.data));
  entries.forEach((entry, i) => {
    offsets.push(baseOffset + at);
    u32(LOCAL_HEADER);
    u16(10); // version needed: 1.0 (stored)
    u16(UTF8_FLAG);
    u16(0); // method: stored
    u16(DOS_TIME);
    u16(DOS_DATE);
    u32(crcs[i]);
    u32(entry.data.length); // compressed size
    u32(entry.data.length); // uncompressed size
    u16(names[i].length);
    u16(0); // extra field length
    out.set(names[i], at);
    at += names[i].length;
    out.set(entry.data, at);
    at += entry.data.length;
  });
  const centralStart = at;
  entries.forEach((entry, i) => {
    u32(CENTRAL_HEADER);
    u16(20); // version made by: 2.0, MS-DOS attributes
    u16(10);
    u16(UTF8_FLAG);
    u16(0);
    u16(DOS_TIME);
    u16(DOS_DATE);
    u32(crcs[i]);
    u32(entry.data.length);
    u32(entry.data.length);
    u16(names[i].length);
    u16(0); // extra
    u16(0); // comment
    u16(0); // disk number
    u16(0); // internal attributes
    u32(0); // external attributes
    u32(offsets[i]);
    out.set(names[i], at);
    at += names[i].length;
  });
  const centralDirectorySize = at - centralStart;
  u32(END_OF_CENTRAL_DIRECTORY);
  u16(0); // this disk
  u16(0); // disk with the central directory
  u16(entries.length);
  u16(entries.length);
  u32(centralDirectorySize);
  u32(baseOffset + centralStart);
  u16(0); // comment length
  return out;
}

/** Appends a zip of `entries` to `file` (a .tflite: the flatbuffer ignores trailing bytes). */
export function appendZip(file: Uint8Array, entries: readonly ZipEntry[]): Uint8Array {
  const zip = writeZip(entries, file.length);
  const out = new Uint8Array(file.length + zip.length);
  out.set(file);
  out.set(zip, file.length);
  return out;
}

/**
 * Reads the zip at the end of `bytes` (found from the end-of-central-directory record), or
 * returns an empty list when there is none. Only STORE entries are supported.
 */
export function readZip(bytes: Uint8Array): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = findEndOfCentralDirectory(view);
  if (eocd < 0) return [];
  const count = view.getUint16(eocd + 10, true);
  const centralSize = view.getUint32(eocd + 12, true);
  const centralOffset = view.getUint32(eocd + 16, true);
  // Bytes before the archive: 0 when offsets are absolute, the model's size when relative.
  const shift = eocd - centralSize - centralOffset;
  const decoder = new TextDecoder();
  const entries: ZipEntry[] = [];
  let at = centralOffset + shift;
  for (let i = 0; i < count; i++) {
    if (view.getUint32(at, true) !== CENTRAL_HEADER) throw new Error(`Corrupt zip: central directory entry ${i} not found`);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    const size = view.getUint32(at + 20, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true) + shift;
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    if (method !== 0) throw new Error(`Zip entry "${name}" is compressed (method ${method}); only stored entries are supported`);
    if (view.getUint32(local, true) !== LOCAL_HEADER) throw new Error(`Corrupt zip: local header of "${name}" not found`);
    const dataStart = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const data = bytes.slice(dataStart, dataStart + size);
    if (crc32(data) !== crc) throw new Error(`Zip entry "${name}" fails its CRC-32 check`);
    entries.push({ name, data });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function findEndOfCentralDirectory(view: DataView): number {
  // The record is 22 bytes plus a comment of at most 65535 bytes.
  const last = view.byteLength - 22;
  for (let at = last; at >= Math.max(0, last - 65535); at--) {
    if (view.getUint32(at, true) === END_OF_CENTRAL_DIRECTORY && at + 22 + view.getUint16(at + 20, true) === view.byteLength) return at;
  }
  return -1;
}
