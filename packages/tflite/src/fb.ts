/**
 * Thin helpers over the npm `flatbuffers` runtime: reading fields of a table by field id, and
 * writing the vector kinds TFLite uses. Field id n lives at vtable offset 4 + 2n.
 */
import { ByteBuffer } from 'flatbuffers';
import type { Builder, Offset } from 'flatbuffers';

export class Table {
  constructor(readonly bb: ByteBuffer, readonly pos: number) {}

  static root(bytes: Uint8Array): Table {
    const bb = new ByteBuffer(bytes);
    return new Table(bb, bb.readInt32(bb.position()) + bb.position());
  }

  private at(id: number): number {
    return this.bb.__offset(this.pos, 4 + 2 * id);
  }

  has(id: number): boolean {
    return this.at(id) !== 0;
  }

  int8(id: number, fallback = 0): number {
    const o = this.at(id);
    return o ? this.bb.readInt8(this.pos + o) : fallback;
  }

  uint8(id: number, fallback = 0): number {
    const o = this.at(id);
    return o ? this.bb.readUint8(this.pos + o) : fallback;
  }

  bool(id: number, fallback = false): boolean {
    const o = this.at(id);
    return o ? this.bb.readInt8(this.pos + o) !== 0 : fallback;
  }

  int32(id: number, fallback = 0): number {
    const o = this.at(id);
    return o ? this.bb.readInt32(this.pos + o) : fallback;
  }

  uint32(id: number, fallback = 0): number {
    const o = this.at(id);
    return o ? this.bb.readUint32(this.pos + o) : fallback;
  }

  float32(id: number, fallback = 0): number {
    const o = this.at(id);
    return o ? this.bb.readFloat32(this.pos + o) : fallback;
  }

  string(id: number): string | undefined {
    const o = this.at(id);
    return o ? (this.bb.__string(this.pos + o) as string) : undefined;
  }

  table(id: number): Table | undefined {
    const o = this.at(id);
    return o ? new Table(this.bb, this.bb.__indirect(this.pos + o)) : undefined;
  }

  tables(id: number): Table[] {
    return this.vector(id, 4, (p) => new Table(this.bb, this.bb.__indirect(p)));
  }

  int32s(id: number): number[] {
    return this.vector(id, 4, (p) => this.bb.readInt32(p));
  }

  float32s(id: number): number[] {
    return this.vector(id, 4, (p) => this.bb.readFloat32(p));
  }

  int64s(id: number): bigint[] {
    return this.vector(id, 8, (p) => this.bb.readInt64(p));
  }

  /** A copy of a `[ubyte]` field, so callers never alias the file's bytes. */
  bytes(id: number): Uint8Array | undefined {
    const o = this.at(id);
    if (!o) return undefined;
    const start = this.bb.__vector(this.pos + o);
    return this.bb.bytes().slice(start, start + this.bb.__vector_len(this.pos + o));
  }

  private vector<T>(id: number, stride: number, read: (position: number) => T): T[] {
    const o = this.at(id);
    if (!o) return [];
    const start = this.bb.__vector(this.pos + o);
    const length = this.bb.__vector_len(this.pos + o);
    return Array.from({ length }, (_, i) => read(start + i * stride));
  }
}

export function int32Vector(b: Builder, values: readonly number[]): Offset {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i]);
  return b.endVector();
}

export function float32Vector(b: Builder, values: readonly number[]): Offset {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addFloat32(values[i]);
  return b.endVector();
}

export function int64Vector(b: Builder, values: readonly bigint[]): Offset {
  b.startVector(8, values.length, 8);
  for (let i = values.length - 1; i >= 0; i--) b.addInt64(values[i]);
  return b.endVector();
}

export function offsetVector(b: Builder, offsets: readonly Offset[]): Offset {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]);
  return b.endVector();
}

/**
 * A `[ubyte]` vector whose first byte sits at a multiple of `alignment` from the start of the
 * finished file (schema.fbs asks `force_align: 16` for Buffer.data; the TS builder has no such
 * attribute, so align by hand: the builder writes back to front and `finish` pads the whole
 * buffer to the largest alignment requested, so an end-relative alignment is also start-relative).
 */
export function alignedByteVector(b: Builder, data: Uint8Array, alignment = 16): Offset {
  b.prep(alignment, data.length);
  return b.createByteVector(data);
}
