/**
 * Numeric constants from TFLite's `schema.fbs` (tensorflow/compiler/mlir/lite/schema/schema.fbs),
 * limited to what this package writes and reads. Table field ids are listed next to the encoders
 * that use them; a union occupies two ids (type, then value).
 */

/** Value of `Model.version` and the file identifier every TFLite file carries. */
export const SCHEMA_VERSION = 3;
export const FILE_IDENTIFIER = 'TFL3';

/** enum TensorType : byte */
export const TENSOR_TYPE = {
  float32: 0,
  float16: 1,
  int32: 2,
  uint8: 3,
  int64: 4,
  bool: 6,
  int16: 7,
  int8: 9,
} as const;
export type DType = keyof typeof TENSOR_TYPE;

export const DTYPE_BYTES: Record<DType, number> = {
  float32: 4, float16: 2, int32: 4, uint8: 1, int64: 8, bool: 1, int16: 2, int8: 1,
};

/** enum ActivationFunctionType : byte */
export const ACTIVATION = { none: 0, relu: 1, reluN1To1: 2, relu6: 3, tanh: 4 } as const;
export type Activation = keyof typeof ACTIVATION;

/** enum Padding : byte */
export const PADDING = { same: 0, valid: 1 } as const;
export type Padding = keyof typeof PADDING;

/** Position of an options table in `union BuiltinOptions` (1-based; 0 is NONE). */
export const BUILTIN_OPTIONS = {
  none: 0,
  Conv2DOptions: 1,
  DepthwiseConv2DOptions: 2,
  Pool2DOptions: 5,
  FullyConnectedOptions: 8,
  SoftmaxOptions: 9,
  ConcatenationOptions: 10,
  AddOptions: 11,
  ReshapeOptions: 17,
  MulOptions: 21,
  PadOptions: 22,
  GatherOptions: 23,
  ReducerOptions: 27,
  SubOptions: 28,
  DivOptions: 29,
  SquaredDifferenceOptions: 76,
} as const;

export function keyOf<T extends Record<string, number>>(table: T, value: number, what: string): keyof T {
  for (const [key, v] of Object.entries(table)) if (v === value) return key;
  throw new Error(`Unknown ${what} value ${value} in TFLite file`);
}
