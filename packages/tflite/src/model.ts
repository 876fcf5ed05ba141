import type { DType } from './schema.ts';
import type { OpName, OpOptions } from './ops.ts';

/**
 * In-memory form of a single-subgraph TFLite model: what the writer serializes and the reader
 * returns, so a round trip is `deepEqual`. Buffers and operator codes are derived on write.
 */
export interface TfliteModel {
  description: string;
  /** Name of the single subgraph (debugging aid in viewers such as Netron). */
  name: string;
  tensors: TensorDef[];
  /** Operators in execution order. */
  operators: OperatorDef[];
  inputs: number[];
  outputs: number[];
  /** Named metadata buffers (e.g. `TFLITE_METADATA`). */
  metadata: MetadataEntry[];
}

export interface TensorDef {
  name: string;
  shape: number[];
  dtype: DType;
  /** Constant data, little-endian, row-major. Absent for activations. */
  data?: Uint8Array;
  quantization?: Quantization;
}

/** Affine quantization: real = scale * (q - zeroPoint), per tensor or along `quantizedDimension`. */
export interface Quantization {
  scale: number[];
  zeroPoint: bigint[];
  quantizedDimension: number;
  min?: number[];
  max?: number[];
}

export type OperatorDef<K extends OpName = OpName> = K extends OpName
  ? { op: K; inputs: number[]; outputs: number[]; options: OpOptions[K] }
  : never;

export interface MetadataEntry {
  name: string;
  data: Uint8Array;
}
