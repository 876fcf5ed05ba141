/**
 * Serializes a {@link TfliteModel} to TFLite flatbuffer bytes (schema version 3, identifier TFL3).
 * One subgraph, one buffer per constant tensor and per metadata entry, buffers[0] the empty
 * sentinel that data-less tensors point to, and a `serving_default` signature.
 */
import { Builder } from 'flatbuffers';
import type { Offset } from 'flatbuffers';
import { DTYPE_BYTES, FILE_IDENTIFIER, SCHEMA_VERSION, TENSOR_TYPE } from './schema.ts';
import { alignedByteVector, float32Vector, int32Vector, int64Vector, offsetVector } from './fb.ts';
import { opSpec, opVersion } from './ops.ts';
import type { OpName } from './ops.ts';
import type { OperatorDef, Quantization, TensorDef, TfliteModel } from './model.ts';

export const SIGNATURE_KEY = 'serving_default';

export function serializeModel(model: TfliteModel): Uint8Array {
  validate(model);
  const b = new Builder(1024 + estimateDataBytes(model));

  // Buffers: 0 is the sentinel, then tensor data in tensor order, then metadata.
  const bufferOffsets: Offset[] = [emptyBuffer(b)];
  const tensorBuffer = model.tensors.map((t) => {
    if (!t.data || t.data.length === 0) return 0;
    bufferOffsets.push(dataBuffer(b, t.data));
    return bufferOffsets.length - 1;
  });
  const metadataBuffer = model.metadata.map((m) => {
    bufferOffsets.push(dataBuffer(b, m.data));
    return bufferOffsets.length - 1;
  });

  // One OperatorCode per (op, version): a model may hold float and int8 kernels of one op.
  const codeKeys = model.operators.map((o) => `${o.op}@${opVersion(o.op, model.tensors[o.inputs[0]]?.dtype)}`);
  const uniqueKeys = [...new Set(codeKeys)];
  const operatorCodes = uniqueKeys.map((key) => {
    const [name, version] = key.split('@');
    return operatorCode(b, name as OpName, Number(version));
  });
  const zeroPoints = new Map<string, Offset>();
  const tensors = model.tensors.map((t, i) => tensor(b, t, tensorBuffer[i], zeroPoints));
  const operators = model.operators.map((o, i) => operator(b, o, uniqueKeys.indexOf(codeKeys[i])));

  const subgraph = (() => {
    const tensorsVec = offsetVector(b, tensors);
    const inputs = int32Vector(b, model.inputs);
    const outputs = int32Vector(b, model.outputs);
    const operatorsVec = offsetVector(b, operators);
    const name = b.createString(model.name);
    // SubGraph: tensors 0, inputs 1, outputs 2, operators 3, name 4
    b.startObject(5);
    b.addFieldOffset(0, tensorsVec, 0);
    b.addFieldOffset(1, inputs, 0);
    b.addFieldOffset(2, outputs, 0);
    b.addFieldOffset(3, operatorsVec, 0);
    b.addFieldOffset(4, name, 0);
    return b.endObject();
  })();

  const metadata = model.metadata.map((m, i) => {
    const name = b.createString(m.name);
    // Metadata: name 0, buffer 1
    b.startObject(2);
    b.addFieldOffset(0, name, 0);
    b.addFieldInt32(1, metadataBuffer[i], null);
    return b.endObject();
  });

  const signature = signatureDef(b, model);

  const operatorCodesVec = offsetVector(b, operatorCodes);
  const subgraphsVec = offsetVector(b, [subgraph]);
  const description = b.createString(model.description);
  const buffersVec = offsetVector(b, bufferOffsets);
  const metadataVec = metadata.length > 0 ? offsetVector(b, metadata) : 0;
  const signaturesVec = offsetVector(b, [signature]);
  // Model: version 0, operator_codes 1, subgraphs 2, description 3, buffers 4,
  // metadata_buffer 5, metadata 6, signature_defs 7
  b.startObject(8);
  b.addFieldInt32(0, SCHEMA_VERSION, null);
  b.addFieldOffset(1, operatorCodesVec, 0);
  b.addFieldOffset(2, subgraphsVec, 0);
  b.addFieldOffset(3, description, 0);
  b.addFieldOffset(4, buffersVec, 0);
  if (metadataVec) b.addFieldOffset(6, metadataVec, 0);
  b.addFieldOffset(7, signaturesVec, 0);
  b.finish(b.endObject(), FILE_IDENTIFIER);
  // Copy out so the result owns an ArrayBuffer that starts at the file's first byte (offset 0
  // keeps the 16-byte buffer alignment meaningful for whoever maps it).
  return b.asUint8Array().slice();
}

function estimateDataBytes(model: TfliteModel): number {
  const tensors = model.tensors.reduce((sum, t) => sum + (t.data?.length ?? 0) + 16, 0);
  return tensors + model.metadata.reduce((sum, m) => sum + m.data.length + 16, 0);
}

function emptyBuffer(b: Builder): Offset {
  b.startObject(1);
  return b.endObject();
}

function dataBuffer(b: Builder, data: Uint8Array): Offset {
  const vec = alignedByteVector(b, data, 16);
  // Buffer: data 0
  b.startObject(1);
  b.addFieldOffset(0, vec, 0);
  return b.endObject();
}

function operatorCode(b: Builder, name: OpName, version: number): Offset {
  const { code } = opSpec(name);
  // OperatorCode: deprecated_builtin_code 0 (byte), custom_code 1, version 2, builtin_code 3.
  // Old runtimes read only the byte field, new ones take the larger of the two: write both.
  b.startObject(4);
  b.addFieldInt8(0, Math.min(code, 127), null);
  b.addFieldInt32(2, version, null);
  b.addFieldInt32(3, code, null);
  return b.endObject();
}

/**
 * TFLite requires one int64 zero point per scale (interpreter_builder refuses other counts), so
 * per-channel tensors carry N zeros. Equal zero-point vectors are written once and shared by
 * offset (valid flatbuffers; readers just follow the offset): saves 8 bytes a channel for every
 * weight and bias tensor but the first of each channel count.
 */
function quantization(b: Builder, q: Quantization, zeroPoints: Map<string, Offset>): Offset {
  const min = q.min ? float32Vector(b, q.min) : 0;
  const max = q.max ? float32Vector(b, q.max) : 0;
  const scale = float32Vector(b, q.scale);
  const key = q.zeroPoint.join(',');
  let zeroPoint = zeroPoints.get(key);
  if (zeroPoint === undefined) {
    zeroPoint = int64Vector(b, q.zeroPoint);
    zeroPoints.set(key, zeroPoint);
  }
  // QuantizationParameters: min 0, max 1, scale 2, zero_point 3, details 4-5, quantized_dimension 6
  b.startObject(7);
  if (min) b.addFieldOffset(0, min, 0);
  if (max) b.addFieldOffset(1, max, 0);
  b.addFieldOffset(2, scale, 0);
  b.addFieldOffset(3, zeroPoint, 0);
  b.addFieldInt32(6, q.quantizedDimension, 0);
  return b.endObject();
}

function tensor(b: Builder, t: TensorDef, buffer: number, zeroPoints: Map<string, Offset>): Offset {
  const shape = int32Vector(b, t.shape);
  const name = b.createString(t.name);
  const quant = t.quantization ? quantization(b, t.quantization, zeroPoints) : 0;
  // Tensor: shape 0, type 1, buffer 2, name 3, quantization 4
  b.startObject(5);
  b.addFieldOffset(0, shape, 0);
  b.addFieldInt8(1, TENSOR_TYPE[t.dtype], null);
  b.addFieldInt32(2, buffer, null);
  b.addFieldOffset(3, name, 0);
  if (quant) b.addFieldOffset(4, quant, 0);
  return b.endObject();
}

function operator(b: Builder, o: OperatorDef, opcodeIndex: number): Offset {
  const spec = opSpec(o.op);
  const inputs = int32Vector(b, o.inputs);
  const outputs = int32Vector(b, o.outputs);
  const options = spec.codec ? spec.codec.encode(b, o.options as never) : 0;
  // Operator: opcode_index 0, inputs 1, outputs 2, builtin_options_type 3, builtin_options 4
  b.startObject(5);
  b.addFieldInt32(0, opcodeIndex, null);
  b.addFieldOffset(1, inputs, 0);
  b.addFieldOffset(2, outputs, 0);
  if (spec.codec) {
    b.addFieldInt8(3, spec.codec.type, 0);
    b.addFieldOffset(4, options, 0);
  }
  return b.endObject();
}

function tensorMaps(b: Builder, model: TfliteModel, indices: readonly number[]): Offset {
  const maps = indices.map((index) => {
    const name = b.createString(model.tensors[index].name);
    // TensorMap: name 0, tensor_index 1
    b.startObject(2);
    b.addFieldOffset(0, name, 0);
    b.addFieldInt32(1, index, null);
    return b.endObject();
  });
  return offsetVector(b, maps);
}

function signatureDef(b: Builder, model: TfliteModel): Offset {
  const inputs = tensorMaps(b, model, model.inputs);
  const outputs = tensorMaps(b, model, model.outputs);
  const key = b.createString(SIGNATURE_KEY);
  // SignatureDef: inputs 0, outputs 1, signature_key 2, deprecated_tag 3, subgraph_index 4
  b.startObject(5);
  b.addFieldOffset(0, inputs, 0);
  b.addFieldOffset(1, outputs, 0);
  b.addFieldOffset(2, key, 0);
  b.addFieldInt32(4, 0, null);
  return b.endObject();
}

function validate(model: TfliteModel): void {
  const count = model.tensors.length;
  const checkIndex = (i: number, where: string, optional = false) => {
    if (optional && i === -1) return;
    if (!Number.isInteger(i) || i < 0 || i >= count) throw new Error(`${where}: tensor index ${i} out of range 0..${count - 1}`);
  };
  model.tensors.forEach((t, i) => {
    // LiteRT.js cannot allocate a zero-byte buffer and says only "Failed to get num packed bytes".
    if (!t.data && t.shape.includes(0)) {
      throw new Error(`Tensor ${i} "${t.name}": shape [${t.shape}] holds no values; LiteRT.js cannot run empty tensors (give every dimension at least 1)`);
    }
    if (!t.data) return;
    const elements = t.shape.reduce((p, d) => p * d, 1);
    const expected = elements * DTYPE_BYTES[t.dtype];
    if (t.data.length !== expected) {
      throw new Error(`Tensor ${i} "${t.name}": ${t.data.length} data bytes, shape [${t.shape}] ${t.dtype} needs ${expected}`);
    }
  });
  model.inputs.forEach((i) => checkIndex(i, 'Model input'));
  model.outputs.forEach((i) => checkIndex(i, 'Model output'));
  for (const i of model.inputs) if (model.tensors[i].data) throw new Error(`Model input "${model.tensors[i].name}" is a constant`);
  model.operators.forEach((o, n) => {
    o.inputs.forEach((i) => checkIndex(i, `Operator ${n} (${o.op}) input`, true));
    o.outputs.forEach((i) => checkIndex(i, `Operator ${n} (${o.op}) output`));
  });
}
