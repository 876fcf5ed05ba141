/**
 * Walks a TF.js LayersModel (sequential or functional, nested models included) into the IR.
 * Each call of a layer (an inbound node) is lowered once all its inputs are known, which yields
 * execution order without relying on the model's internal node bookkeeping.
 */
import * as tf from '@tensorflow/tfjs';
import type { IrGraph, Key } from './ir.ts';
import { LAYER_CONVERTERS } from './layers.ts';
import type { LayerContext } from './layers.ts';
import { UnsupportedLayerError } from './errors.ts';

type SymbolicTensor = tf.SymbolicTensor;
type Layer = tf.layers.Layer;

/** Static shape with the batch dimension fixed to 1. */
function staticShape(t: SymbolicTensor, owner: string): number[] {
  return t.shape.map((d, i) => {
    if (i === 0) return 1;
    if (d === null) throw new Error(`Cannot export: "${owner}" has an unknown dimension ${i} in shape [${t.shape}]; give the model a fixed input shape`);
    return d;
  });
}

class Walker {
  readonly graph: IrGraph = { nodes: [], shapes: new Map(), names: new Map(), inputs: [], int32Inputs: new Set(), outputs: [] };
  /** SymbolicTensor id → IR value (several ids may share a value: pass-through layers). */
  private readonly keys = new Map<number, Key>();
  private readonly usedNames = new Set<string>();

  newValue(name: string, shape: number[]): Key {
    let unique = name;
    for (let n = 1; this.usedNames.has(unique); n++) unique = `${name}_${n}`;
    this.usedNames.add(unique);
    const key = `v${this.graph.shapes.size}`;
    this.graph.shapes.set(key, shape);
    this.graph.names.set(key, unique);
    return key;
  }

  lowerModel(model: tf.LayersModel): void {
    for (const input of model.inputs) {
      // An Embedding's ids arrive as float32 or int32 in TF.js; the exported input is int32 either way.
      if (input.dtype !== 'float32' && input.dtype !== 'int32') throw new Error(`Cannot export: input "${input.name}" is ${input.dtype}, only float32 and int32 inputs are supported`);
      // The name as the model asked for it: tfjs-layers appends _1, _2… when a thread built a model before (a reused
      // trial worker, cross-validation's folds), and the file must not depend on what ran before it.
      const key = this.newValue((input.originalName ?? input.name).replace(/:\d+$/, ''), staticShape(input, input.name));
      this.keys.set(input.id, key);
      this.graph.inputs.push(key);
    }
    this.lowerContainer(model);
    for (const output of model.outputs) this.graph.outputs.push(this.keyOf(output, model.name));
    model.inputs.forEach((input, i) => {
      const key = this.graph.inputs[i];
      if (input.dtype === 'int32' && !this.graph.int32Inputs.has(key)) throw new Error(`Cannot export: int32 input "${input.name}" must feed an Embedding layer`);
    });
  }

  private keyOf(t: SymbolicTensor, context: string): Key {
    const key = this.keys.get(t.id);
    if (key === undefined) throw new Error(`Cannot export: output "${t.name}" of "${context}" is not reachable from the model inputs`);
    return key;
  }

  private lowerContainer(model: tf.LayersModel): void {
    const pending = model.layers
      .filter((layer) => layer.getClassName() !== 'InputLayer')
      .flatMap((layer) => layer.inboundNodes.map((node) => ({ layer, inputs: node.inputTensors, outputs: node.outputTensors })));
    let progress = true;
    while (progress) {
      progress = false;
      for (let i = 0; i < pending.length; i++) {
        const call = pending[i];
        if (!call.inputs.every((t) => this.keys.has(t.id))) continue;
        pending.splice(i--, 1);
        progress = true;
        // A call whose outputs are known already belongs to an enclosing graph walked before.
        if (call.outputs.every((t) => this.keys.has(t.id))) continue;
        this.lowerCall(call.layer, call.inputs, call.outputs);
      }
    }
  }

  private lowerCall(layer: Layer, inputs: SymbolicTensor[], outputs: SymbolicTensor[]): void {
    const className = layer.getClassName();
    if (layer instanceof tf.LayersModel) return this.lowerNested(layer, inputs, outputs);
    const convert = LAYER_CONVERTERS[className];
    if (!convert) {
      throw new UnsupportedLayerError(layer.name, className, `layer class not supported (supported: ${Object.keys(LAYER_CONVERTERS).join(', ')})`);
    }
    if (outputs.length !== 1) throw new UnsupportedLayerError(layer.name, className, `${outputs.length} outputs (only one)`);
    const inputKeys = inputs.map((t) => this.keys.get(t.id) as Key);
    const outputShape = staticShape(outputs[0], layer.name);
    let output: Key | undefined;
    const fail = (reason: string): never => {
      throw new UnsupportedLayerError(layer.name, className, reason);
    };
    const getOutput = () => (output ??= this.newValue(layer.name, outputShape));
    const ctx: LayerContext = {
      name: layer.name,
      className,
      config: layer.getConfig() as Record<string, unknown>,
      inputs: inputKeys,
      inputShapes: inputKeys.map((k) => this.graph.shapes.get(k) as number[]),
      get output() {
        return getOutput();
      },
      outputShape,
      weight: (suffix) => {
        const index = layer.weights.findIndex((w) => w.originalName.endsWith(`/${suffix}`) || w.originalName === suffix);
        if (index < 0) return undefined;
        const value = layer.weights[index].read();
        return { values: Float32Array.from(value.dataSync() as Float32Array), shape: value.shape };
      },
      emit: (node) => this.graph.nodes.push({ ...node, layer: layer.name, className } as IrGraph['nodes'][number]),
      temp: (suffix, shape) => this.newValue(`${layer.name}/${suffix}`, shape),
      passThrough: () => {
        output = inputKeys[0];
      },
      idsInput: () => {
        if (inputKeys.length !== 1 || !this.graph.inputs.includes(inputKeys[0])) fail('it must read a model input directly (its ids become the int32 model input)');
        this.graph.int32Inputs.add(inputKeys[0]);
      },
      fail,
    };
    convert(ctx);
    this.keys.set(outputs[0].id, output ?? fail('converter produced no output'));
  }

  /** A model used as a layer: its inputs alias the call's inputs, its outputs become the call's outputs. */
  private lowerNested(model: tf.LayersModel, inputs: SymbolicTensor[], outputs: SymbolicTensor[]): void {
    model.inputs.forEach((inner, i) => {
      if (this.keys.has(inner.id)) throw new UnsupportedLayerError(model.name, model.getClassName(), 'a nested model called more than once');
      this.keys.set(inner.id, this.keys.get(inputs[i].id) as Key);
    });
    this.lowerContainer(model);
    model.outputs.forEach((inner, i) => this.keys.set(outputs[i].id, this.keyOf(inner, model.name)));
  }
}

export function lowerModel(model: tf.LayersModel): IrGraph {
  const walker = new Walker();
  walker.lowerModel(model);
  return walker.graph;
}
