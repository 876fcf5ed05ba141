/** Lowers the IR to a float32 TFLite model through @offgrid/tflite's GraphBuilder, one TFLite op (or two) per node. */
import { GraphBuilder, serializeModel } from '@offgrid/tflite';
import type { TensorRef, TfliteModel } from '@offgrid/tflite';
import type { IrGraph, IrNode, Key } from './ir.ts';
import { UnsupportedLayerError } from './errors.ts';

export function emitTflite(graph: IrGraph, description: string): Uint8Array {
  return serializeModel(emitModel(graph, description));
}

export function emitModel(graph: IrGraph, description: string): TfliteModel {
  const g = new GraphBuilder('main');
  const refs = new Map<Key, TensorRef>();
  const usedNames = new Set<string>();
  const ref = (key: Key) => refs.get(key) as TensorRef;
  const unique = (name: string) => {
    let candidate = name;
    for (let n = 1; usedNames.has(candidate); n++) candidate = `${name}_${n}`;
    usedNames.add(candidate);
    return candidate;
  };
  const constant = (name: string, shape: number[], data: Float32Array | Int32Array) => g.constant(unique(name), shape, data);
  // Every op output is checked against the shape TF.js computed for the same value.
  const out = (key: Key) => ({ name: unique(graph.names.get(key) ?? key), shape: graph.shapes.get(key) });

  for (const key of graph.inputs) {
    const dtype = graph.int32Inputs.has(key) ? 'int32' : 'float32';
    refs.set(key, g.input(unique(graph.names.get(key) ?? key), graph.shapes.get(key) as number[], { dtype }));
  }

  for (const node of graph.nodes) {
    try {
      refs.set(node.output, emitNode(node));
    } catch (error) {
      if (error instanceof UnsupportedLayerError) throw error;
      throw new UnsupportedLayerError(node.layer, node.className, (error as Error).message);
    }
  }
  g.output(...graph.outputs.map(ref));
  return g.toModel(description);

  function emitNode(node: IrNode): TensorRef {
    const inputs = node.inputs.map(ref);
    if (node.kind !== 'gather' && node.inputs.some((k) => graph.int32Inputs.has(k))) {
      throw new UnsupportedLayerError(node.layer, node.className, 'it reads the int32 token ids an Embedding reads; only Embedding layers may read them');
    }
    switch (node.kind) {
      case 'gather':
        return g.op('GATHER', [constant(`${node.layer}/embeddings`, node.tableShape, node.table), inputs[0]], { axis: 0 }, out(node.output));
      case 'conv':
      case 'depthwise':
      case 'dense': {
        const weights = constant(`${node.layer}/weights`, node.weightShape, node.weights);
        const bias = constant(`${node.layer}/bias`, [node.bias.length], node.bias);
        const operands = [inputs[0], weights, bias];
        if (node.kind === 'dense') {
          return g.op('FULLY_CONNECTED', operands, { activation: node.activation, keepNumDims: node.keepNumDims ?? false }, out(node.output));
        }
        const op = node.kind === 'conv' ? 'CONV_2D' : 'DEPTHWISE_CONV_2D';
        return g.op(op, operands, { ...node.window, activation: node.activation }, out(node.output));
      }
      case 'pool':
        return g.op(node.op, inputs, node.options, out(node.output));
      case 'reduce':
        return g.op(node.op, [inputs[0], constant(`${node.layer}/axes`, [node.axes.length], Int32Array.from(node.axes))], { keepDims: node.keepDims }, out(node.output));
      case 'reshape':
        return g.op('RESHAPE', [inputs[0], constant(`${node.layer}/shape`, [node.shape.length], Int32Array.from(node.shape))], { newShape: node.shape }, out(node.output));
      case 'unary':
        return g.op(node.op, inputs, {}, out(node.output));
      case 'add':
        return g.op('ADD', inputs, { activation: node.activation }, out(node.output));
      case 'div':
        return g.op('DIV', inputs, {}, out(node.output));
      case 'mul':
        return g.op('MUL', inputs, {}, out(node.output));
      case 'concat':
        return g.op('CONCATENATION', inputs, { axis: node.axis }, out(node.output));
      case 'pad':
        return g.op('PAD', [inputs[0], constant(`${node.layer}/paddings`, [node.paddings.length, 2], Int32Array.from(node.paddings.flat()))], {}, out(node.output));
      case 'affine': {
        const channels = [node.scale.length];
        const scaled = g.op('MUL', [inputs[0], constant(`${node.layer}/scale`, channels, node.scale)], {}, { name: unique(`${node.layer}/scaled`) });
        return g.op('ADD', [scaled, constant(`${node.layer}/shift`, channels, node.shift)], {}, out(node.output));
      }
    }
  }
}
