/**
 * Parses TFLite bytes back into a {@link TfliteModel}: the first subgraph, its tensors (with
 * constant data copied out of their buffers), operators with decoded options, and metadata.
 * Understands the ops in the OPS table; other ops throw, naming the builtin code.
 */
import { FILE_IDENTIFIER, TENSOR_TYPE, keyOf } from './schema.ts';
import type { DType } from './schema.ts';
import { Table } from './fb.ts';
import { opNameOfCode, opSpec } from './ops.ts';
import type { MetadataEntry, OperatorDef, Quantization, TensorDef, TfliteModel } from './model.ts';

export function parseModel(bytes: Uint8Array): TfliteModel {
  const root = Table.root(bytes);
  const identifier = new TextDecoder().decode(bytes.subarray(4, 8));
  if (identifier !== FILE_IDENTIFIER) throw new Error(`Not a TFLite model: file identifier "${identifier}", expected "${FILE_IDENTIFIER}"`);
  // Model: version 0, operator_codes 1, subgraphs 2, description 3, buffers 4, metadata 6
  const version = root.uint32(0);
  if (version !== 3) throw new Error(`Unsupported TFLite schema version ${version}, expected 3`);
  const buffers = root.tables(4).map((buf) => buf.bytes(0));
  // OperatorCode: deprecated_builtin_code 0, builtin_code 3; the real code is the larger one.
  const opCodes = root.tables(1).map((oc) => Math.max(oc.int8(0), oc.int32(3)));
  const subgraphs = root.tables(2);
  if (subgraphs.length === 0) throw new Error('TFLite model has no subgraph');
  const sg = subgraphs[0];

  // SubGraph: tensors 0, inputs 1, outputs 2, operators 3, name 4
  const tensors = sg.tables(0).map((t) => readTensor(t, buffers));
  const operators = sg.tables(3).map((o) => readOperator(o, opCodes));
  // Metadata: name 0, buffer 1
  const metadata: MetadataEntry[] = root.tables(6).map((m) => ({
    name: m.string(0) ?? '',
    data: buffers[m.uint32(1)] ?? new Uint8Array(0),
  }));

  return {
    description: root.string(3) ?? '',
    name: sg.string(4) ?? '',
    tensors,
    operators,
    inputs: sg.int32s(1),
    outputs: sg.int32s(2),
    metadata,
  };
}

function readTensor(t: Table, buffers: readonly (Uint8Array | undefined)[]): TensorDef {
  // Tensor: shape 0, type 1, buffer 2, name 3, quantization 4
  const tensor: TensorDef = {
    name: t.string(3) ?? '',
    shape: t.int32s(0),
    dtype: keyOf(TENSOR_TYPE, t.int8(1), 'tensor type') as DType,
  };
  const data = buffers[t.uint32(2)];
  if (data && data.length > 0) tensor.data = data.slice();
  const q = t.table(4);
  if (q && q.has(2)) tensor.quantization = readQuantization(q);
  return tensor;
}

function readQuantization(q: Table): Quantization {
  // QuantizationParameters: min 0, max 1, scale 2, zero_point 3, quantized_dimension 6
  const result: Quantization = { scale: q.float32s(2), zeroPoint: q.int64s(3), quantizedDimension: q.int32(6) };
  if (q.has(0)) result.min = q.float32s(0);
  if (q.has(1)) result.max = q.float32s(1);
  return result;
}

function readOperator(o: Table, opCodes: readonly number[]): OperatorDef {
  // Operator: opcode_index 0, inputs 1, outputs 2, builtin_options_type 3, builtin_options 4
  const op = opNameOfCode(opCodes[o.uint32(0)]);
  const spec = opSpec(op);
  const optionsType = o.uint8(3);
  if (spec.codec && optionsType !== 0 && optionsType !== spec.codec.type) {
    throw new Error(`Operator ${op} carries options type ${optionsType}, expected ${spec.codec.type}`);
  }
  const options = spec.codec ? spec.codec.decode(o.table(4)) : {};
  return { op, inputs: o.int32s(1), outputs: o.int32s(2), options } as OperatorDef;
}
