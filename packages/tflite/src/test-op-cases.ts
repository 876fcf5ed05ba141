/**
 * The operator cases, one line each, that both conformance harnesses run: ops.test.ts (float32:
 * LiteRT.js and the reference interpreter against TF.js) and quantize.test.ts (the same one-op
 * model quantized to int8: LiteRT.js against the float interpreter). One table, so an op added or
 * an edge case found is checked in both precisions.
 */
import type { OpName, OpOptions } from './ops.ts';

/**
 * A runtime float32 input of random values (shape), a random float32 constant ({ weights }), an
 * int32 constant ({ int32, shape }), a runtime int32 input of random ids in [0, below)
 * ({ ids: shape, below }), or a runtime float32 input with the given values ({ values, shape }:
 * NaN and other values a random draw never gives).
 */
export type Input =
  | number[]
  | { weights: number[] }
  | { int32: number[]; shape: number[] }
  | { ids: number[]; below: number }
  | { values: number[]; shape: number[] };

/** QUANTIZE/DEQUANTIZE are type conversions, covered by quantize.test.ts and float16.test.ts. */
export type FloatOp = Exclude<OpName, 'QUANTIZE' | 'DEQUANTIZE'>;

export interface OpCase<K extends FloatOp = FloatOp> {
  op: K;
  inputs: Input[];
  options: Partial<OpOptions[K]>;
  /** float32: max abs error against TF.js (NaN must meet NaN). */
  tolerance: number;
}

export const OP_CASES: OpCase[] = [];

function opCase<K extends FloatOp>(op: K, inputs: Input[], options: Partial<OpOptions[K]> = {}, tolerance = 1e-5): void {
  OP_CASES.push({ op, inputs, options, tolerance });
}

/** One NaN (the second value) among ordinary ones: it must come out as NaN where the math says so, and leave the rest alone. */
const withNaN = (shape: number[]) => ({ values: Array.from({ length: shape.reduce((p, d) => p * d, 1) }, (_, i) => (i === 1 ? NaN : i / 2 - 1)), shape });

/** True when any input holds a NaN: int8 has no NaN, so the int8 harness expects these to be refused. */
export const hasNaN = (inputs: Input[]) => inputs.some((input) => !Array.isArray(input) && 'values' in input && input.values.some(Number.isNaN));

// op, inputs, options, tolerance
opCase('CONV_2D', [[1, 6, 6, 3], { weights: [4, 3, 3, 3] }, { weights: [4] }], { padding: 'same' });
opCase('CONV_2D', [[1, 7, 7, 3], { weights: [5, 3, 3, 3] }, { weights: [5] }], { padding: 'same', strideH: 2, strideW: 2, activation: 'relu' });
opCase('CONV_2D', [[1, 8, 8, 2], { weights: [3, 3, 3, 2] }, { weights: [3] }], { padding: 'valid', strideH: 2, strideW: 2, activation: 'relu6' });
opCase('CONV_2D', [[1, 8, 8, 2], { weights: [3, 3, 3, 2] }, { weights: [3] }], { padding: 'valid', activation: 'relu6' });
opCase('CONV_2D', [[1, 9, 9, 2], { weights: [3, 5, 3, 2] }, { weights: [3] }], { padding: 'valid', strideH: 1, strideW: 2 });
opCase('CONV_2D', [[1, 9, 9, 2], { weights: [3, 3, 3, 2] }, { weights: [3] }], { padding: 'same', dilationH: 2, dilationW: 2 });
opCase('CONV_2D', [[1, 5, 5, 8], { weights: [6, 1, 1, 8] }, { weights: [6] }], { activation: 'relu' });
opCase('DEPTHWISE_CONV_2D', [[1, 6, 6, 4], { weights: [1, 3, 3, 4] }, { weights: [4] }], { padding: 'same', activation: 'relu6' });
opCase('DEPTHWISE_CONV_2D', [[1, 7, 7, 3], { weights: [1, 3, 3, 3] }, { weights: [3] }], { padding: 'same', strideH: 2, strideW: 2 });
opCase('DEPTHWISE_CONV_2D', [[1, 6, 6, 2], { weights: [1, 3, 3, 6] }, { weights: [6] }], { padding: 'valid', depthMultiplier: 3, activation: 'relu' });
opCase('FULLY_CONNECTED', [[1, 10], { weights: [4, 10] }, { weights: [4] }]);
opCase('FULLY_CONNECTED', [[1, 16], { weights: [8, 16] }, { weights: [8] }], { activation: 'relu' });
opCase('FULLY_CONNECTED', [[1, 32], { weights: [10, 32] }, { weights: [10] }], { activation: 'relu' });
opCase('FULLY_CONNECTED', [[1, 3, 3, 5], { weights: [2, 5] }, { weights: [2] }], { keepNumDims: true, activation: 'relu6' });
opCase('MAX_POOL_2D', [[1, 8, 8, 3]]);
opCase('MAX_POOL_2D', [[1, 7, 7, 3]], { padding: 'same', filterH: 3, filterW: 3 });
opCase('AVERAGE_POOL_2D', [[1, 8, 8, 3]]);
opCase('AVERAGE_POOL_2D', [[1, 7, 7, 2]], { padding: 'same', filterH: 3, filterW: 3, strideH: 2, strideW: 2 });
opCase('AVERAGE_POOL_2D', [[1, 7, 7, 2]], { padding: 'valid', filterH: 7, filterW: 7, strideH: 1, strideW: 1 });
opCase('MEAN', [[1, 5, 5, 6], { int32: [1, 2], shape: [2] }]);
opCase('MEAN', [[1, 4, 4, 3], { int32: [1, 2], shape: [2] }], { keepDims: true });
opCase('REDUCE_MAX', [[1, 4, 4, 3], { int32: [1, 2], shape: [2] }]);
opCase('RESHAPE', [[1, 4, 4, 3]], { newShape: [1, 48] });
opCase('RESHAPE', [[1, 4, 4, 3], { int32: [1, -1], shape: [2] }], { newShape: [1, -1] });
opCase('SOFTMAX', [[1, 10]]);
opCase('SOFTMAX', [[1, 7]], { beta: 2 });
opCase('ADD', [[1, 4, 4, 3], [1, 4, 4, 3]]);
opCase('ADD', [[1, 4, 4, 3], { weights: [3] }], { activation: 'relu' });
opCase('MUL', [[1, 4, 4, 3], { weights: [3] }]);
opCase('RELU', [[1, 3, 3, 4]]);
opCase('RELU6', [[1, 20]]);
opCase('LOGISTIC', [[1, 20]]);
opCase('TANH', [[1, 20]]);
opCase('PAD', [[1, 4, 4, 2], { int32: [0, 0, 1, 2, 2, 1, 0, 0], shape: [4, 2] }]);
opCase('SUB', [[1, 4, 4, 3], [1, 4, 4, 3]]);
opCase('SUB', [[1, 12], { weights: [12] }], { activation: 'relu' });
opCase('DIV', [[1, 4, 4, 3], { values: [0.5, -2, 3], shape: [3] }]);
opCase('DIV', [[1, 6], { values: [0.25], shape: [1, 1] }], { activation: 'relu' });
opCase('SQUARED_DIFFERENCE', [[1, 16], [1, 16]]);
opCase('SQUARED_DIFFERENCE', [[1, 4, 4, 3], { weights: [3] }]);
opCase('GATHER', [{ weights: [20, 8] }, { ids: [1, 12], below: 20 }]);
opCase('GATHER', [{ weights: [64, 16] }, { ids: [1, 5], below: 64 }], { axis: 0 });
opCase('GATHER', [[1, 6, 4], { int32: [3, 0, 5, 5], shape: [4] }], { axis: 1 });
opCase('CONCATENATION', [[1, 3, 3, 2], [1, 3, 3, 5]], { axis: 3 });
opCase('CONCATENATION', [[1, 4], [1, 6], { weights: [1, 2] }], { axis: -1 });
opCase('CONCATENATION', [[1, 2, 2, 4], [1, 3, 2, 4]], { axis: -3 });

// Scalars (rank 0): elementwise ops broadcast them, and a reduction over every axis yields one.
opCase('ADD', [[1, 6], { weights: [] }]);
opCase('ADD', [[], []]);
opCase('MUL', [[], [1, 5]]);
opCase('SUB', [{ weights: [] }, [1, 5]]);
opCase('SQUARED_DIFFERENCE', [[2, 3], { weights: [] }]);
opCase('RELU', [[]]);
opCase('RELU6', [[]]);
opCase('LOGISTIC', [[]]);
opCase('TANH', [[]]);
opCase('MEAN', [[2, 3], { int32: [0, 1], shape: [2] }]);

// NaN goes through as NaN (IEEE arithmetic), in LiteRT.js, the interpreter and TF.js alike. Not
// listed: CONV_2D, FULLY_CONNECTED and REDUCE_MAX, whose XNNPACK kernels do not keep a NaN
// (FULLY_CONNECTED measured -Infinity, REDUCE_MAX skips it): a NaN input is outside their contract.
opCase('RELU', [withNaN([1, 6])]);
opCase('RELU6', [withNaN([1, 6])]);
opCase('LOGISTIC', [withNaN([1, 6])]);
opCase('TANH', [withNaN([1, 6])]);
opCase('ADD', [withNaN([1, 6]), [1, 6]]);
opCase('MUL', [withNaN([1, 6]), { weights: [6] }]);
opCase('SOFTMAX', [withNaN([2, 3])]);
opCase('MEAN', [withNaN([2, 3]), { int32: [1], shape: [1] }]);
opCase('CONCATENATION', [withNaN([1, 3]), [1, 2]], { axis: -1 });
