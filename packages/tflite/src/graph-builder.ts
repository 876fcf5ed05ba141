/**
 * A small graph-builder over {@link TfliteModel}: declare inputs and constants, chain operators
 * (output shapes come from each op's rule in the OPS table), mark outputs, then `build()`.
 */
import type { DType } from './schema.ts';
import { opSpec } from './ops.ts';
import type { OpName, OpOptions } from './ops.ts';
import type { MetadataEntry, OperatorDef, Quantization, TensorDef, TfliteModel } from './model.ts';
import { serializeModel } from './writer.ts';

export interface TensorRef {
  readonly index: number;
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

export type ConstantData = Float32Array | Int32Array | Uint8Array | Int8Array | Int16Array | BigInt64Array;

export interface TensorOptions {
  name?: string;
  dtype?: DType;
  quantization?: Quantization;
}

export interface OutputOptions extends TensorOptions {
  /** Checked against the op's inferred shape when both are known. */
  shape?: number[];
}

function dtypeOf(data: ConstantData): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof BigInt64Array) return 'int64';
  return 'uint8';
}

export class GraphBuilder {
  private readonly tensors: TensorDef[] = [];
  private readonly operators: OperatorDef[] = [];
  private readonly inputs: number[] = [];
  private readonly outputs: number[] = [];
  private readonly metadata: MetadataEntry[] = [];
  private readonly names = new Set<string>();

  constructor(private readonly name = 'main') {}

  input(name: string, shape: readonly number[], options: Omit<TensorOptions, 'name'> = {}): TensorRef {
    const ref = this.addTensor({ name, shape: [...shape], dtype: options.dtype ?? 'float32', quantization: options.quantization });
    this.inputs.push(ref.index);
    return ref;
  }

  constant(name: string, shape: readonly number[], data: ConstantData, options: Omit<TensorOptions, 'name'> = {}): TensorRef {
    const bytes = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    return this.addTensor({ name, shape: [...shape], dtype: options.dtype ?? dtypeOf(data), data: bytes, quantization: options.quantization });
  }

  /** Adds `op` reading `inputs` (null: an omitted optional input) and returns its output tensor. */
  op<K extends OpName>(op: K, inputs: readonly (TensorRef | null)[], options: Partial<OpOptions[K]> = {}, output: OutputOptions = {}): TensorRef {
    const spec = opSpec(op);
    const full = Object.assign({}, spec.defaults, options) as OpOptions[K];
    const present = inputs.filter((t): t is TensorRef => t !== null).map((t) => this.tensors[t.index]);
    let inferred: number[] | undefined;
    try {
      inferred = spec.outputShape(present, full);
    } catch (error) {
      if (!output.shape) throw new Error(`${op}: cannot infer the output shape (${(error as Error).message}); pass output.shape`, { cause: error });
    }
    if (output.shape && inferred && output.shape.join() !== inferred.join()) {
      throw new Error(`${op}: output shape [${output.shape}] differs from the inferred [${inferred}]`);
    }
    const result = this.addTensor({
      name: output.name ?? this.uniqueName(op.toLowerCase()),
      shape: output.shape ?? inferred ?? [],
      dtype: output.dtype ?? present[0]?.dtype ?? 'float32',
      quantization: output.quantization,
    });
    this.operators.push({ op, inputs: inputs.map((t) => (t ? t.index : -1)), outputs: [result.index], options: full } as OperatorDef);
    return result;
  }

  output(...refs: TensorRef[]): void {
    this.outputs.push(...refs.map((r) => r.index));
  }

  addMetadata(name: string, data: Uint8Array): void {
    this.metadata.push({ name, data });
  }

  toModel(description = ''): TfliteModel {
    if (this.inputs.length === 0) throw new Error('GraphBuilder: no input declared');
    if (this.outputs.length === 0) throw new Error('GraphBuilder: no output marked; call output(tensor)');
    return {
      description,
      name: this.name,
      tensors: this.tensors.map((t) => ({ ...t, shape: [...t.shape] })),
      operators: [...this.operators],
      inputs: [...this.inputs],
      outputs: [...this.outputs],
      metadata: [...this.metadata],
    };
  }

  build(options: { description?: string } = {}): Uint8Array {
    return serializeModel(this.toModel(options.description));
  }

  private uniqueName(base: string): string {
    let n = 0;
    while (this.names.has(`${base}_${n}`)) n++;
    return `${base}_${n}`;
  }

  private addTensor(def: TensorDef): TensorRef {
    if (this.names.has(def.name)) throw new Error(`GraphBuilder: tensor name "${def.name}" used twice`);
    this.names.add(def.name);
    const tensor: TensorDef = { name: def.name, shape: def.shape, dtype: def.dtype };
    if (def.data) tensor.data = def.data;
    if (def.quantization) tensor.quantization = def.quantization;
    this.tensors.push(tensor);
    return { index: this.tensors.length - 1, name: def.name, shape: def.shape, dtype: def.dtype };
  }
}
