export { GraphBuilder } from './graph-builder.ts';
export type { ConstantData, OutputOptions, TensorOptions, TensorRef } from './graph-builder.ts';
export { serializeModel, SIGNATURE_KEY } from './writer.ts';
export { parseModel } from './reader.ts';
export { OPS } from './ops.ts';
export type {
  ActivationOnlyOptions, ConcatenationOptions, ConvOptions, DepthwiseConvOptions, FullyConnectedOptions,
  OpName, OpOptions, OpSpec, PoolOptions, ReducerOptions, ReshapeOptions, SoftmaxOptions,
} from './ops.ts';
export type { MetadataEntry, OperatorDef, Quantization, TensorDef, TfliteModel } from './model.ts';
export type { Activation, DType, Padding } from './schema.ts';
export { loadLiteRtNode, liteRtWasmDir, runTflite, TfliteSession } from './litert-node.ts';
