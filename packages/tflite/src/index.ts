export { GraphBuilder } from './graph-builder.ts';
export type { ConstantData, OutputOptions, TensorOptions, TensorRef } from './graph-builder.ts';
export { serializeModel, SIGNATURE_KEY } from './writer.ts';
export { parseModel } from './reader.ts';
export { OPS, opVersion } from './ops.ts';
export type {
  ActivationOnlyOptions, ConcatenationOptions, ConvOptions, DepthwiseConvOptions, FullyConnectedOptions, GatherOptions,
  OpName, OpOptions, OpSpec, PoolOptions, ReducerOptions, ReshapeOptions, SoftmaxOptions,
} from './ops.ts';
export type { MetadataEntry, OperatorDef, Quantization, TensorDef, TfliteModel } from './model.ts';
export type { Activation, DType, Padding } from './schema.ts';
export { firstOutputs, loadLiteRtNode, liteRtWasmDir, runTflite, TfliteSession } from './litert-node.ts';
export type { ModelInput } from './litert-node.ts';
export { evaluate, evaluateAll } from './interpreter.ts';
export type { InterpreterInput } from './interpreter.ts';
export { toFloat16Weights, float16Bits, float16ToNumber } from './float16.ts';
export { quantizeInt8, calibrate, int8Params, sampleInputs, MIN_CALIBRATION_SAMPLES } from './quantize.ts';
export { countMacs } from './macs.ts';
export type { QuantizeInt8Options, Range, RangeMethod } from './quantize.ts';
export { activationStatsLiteRt, calibrateLiteRt, empiricalBiasShifts } from './calibrate-litert.ts';
export type { EmpiricalBiasOptions } from './calibrate-litert.ts';
export {
  encodeMetadata, decodeMetadata, minParserVersionOf, METADATA_BUFFER_NAME, MIN_PARSER_VERSION, ASSOCIATED_FILE_TYPE, COLOR_SPACE,
} from './metadata.ts';
export type { AssociatedFile, AssociatedFileType, ColorSpace, ModelMetadata, TensorContent, TensorMetadata } from './metadata.ts';
export { serializeWithMetadata, readMetadata, readLabels, textLines, imageClassifierMetadata, associatedFilesOf, LABELS_FILE } from './model-package.ts';
export {
  featureInputMetadata, featureClassifierMetadata, textClassifierMetadata, anomalyDetectorMetadata, readVocabulary, readTextTokenizer, readAnomalyThreshold,
  VOCABULARY_FILE, TOKENIZER_FILE, TOKENIZER_FORMAT, FEATURES_FILE, DEFAULT_DELIM_REGEX,
} from './task-metadata.ts';
export type { FeatureDescription, FeatureClassifierMetadataOptions, TextClassifierMetadataOptions, TextTokenizer, AnomalyDetectorMetadataOptions } from './task-metadata.ts';
export type { ImageClassifierMetadataOptions, ModelPackage } from './model-package.ts';
export { writeZip, readZip, appendZip, crc32 } from './zip.ts';
export type { ZipEntry } from './zip.ts';
export { classifierTrunk, findClassifierHead, logitRangeOf, readClassifierHead, withClassifierHead } from './classifier-head.ts';
export type { ClassifierHead, HeadSite } from './classifier-head.ts';
export { pruneTensors } from './prune.ts';
export { withInputStandardization } from './input-standardization.ts';
export type { FeatureScaling } from './input-standardization.ts';
