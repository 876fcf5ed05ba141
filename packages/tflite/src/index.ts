export { GraphBuilder } from './graph-builder.ts';
export type { ConstantData, OutputOptions, TensorOptions, TensorRef } from './graph-builder.ts';
export { serializeModel, SIGNATURE_KEY } from './writer.ts';
export { parseModel } from './reader.ts';
export { OPS, opVersion } from './ops.ts';
export type {
  ActivationOnlyOptions, ConcatenationOptions, ConvOptions, DepthwiseConvOptions, FullyConnectedOptions,
  OpName, OpOptions, OpSpec, PoolOptions, ReducerOptions, ReshapeOptions, SoftmaxOptions,
} from './ops.ts';
export type { MetadataEntry, OperatorDef, Quantization, TensorDef, TfliteModel } from './model.ts';
export type { Activation, DType, Padding } from './schema.ts';
export { loadLiteRtNode, liteRtWasmDir, runTflite, TfliteSession } from './litert-node.ts';
export { evaluate, evaluateAll } from './interpreter.ts';
export { toFloat16Weights, float16Bits, float16ToNumber } from './float16.ts';
export { quantizeInt8, calibrate, int8Params, MIN_CALIBRATION_SAMPLES } from './quantize.ts';
export type { QuantizeInt8Options, Range } from './quantize.ts';
export { calibrateLiteRt } from './calibrate-litert.ts';
export {
  encodeMetadata, decodeMetadata, METADATA_BUFFER_NAME, MIN_PARSER_VERSION, ASSOCIATED_FILE_TYPE, COLOR_SPACE,
} from './metadata.ts';
export type { AssociatedFile, AssociatedFileType, ColorSpace, ModelMetadata, TensorContent, TensorMetadata } from './metadata.ts';
export { serializeWithMetadata, readMetadata, readLabels, imageClassifierMetadata, associatedFilesOf, LABELS_FILE } from './model-package.ts';
export type { ImageClassifierMetadataOptions, ModelPackage } from './model-package.ts';
export { writeZip, readZip, appendZip, crc32 } from './zip.ts';
export type { ZipEntry } from './zip.ts';
