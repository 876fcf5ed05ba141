/**
 * The converter's intermediate graph: TFLite-shaped nodes (weights already in TFLite layouts)
 * connected by value keys, in execution order. Layers lower into it, passes rewrite it
 * (BatchNorm folding, activation fusion), and emit.ts serializes it.
 */
import type { Activation, ConvOptions, DepthwiseConvOptions, PoolOptions } from '@offgrid/tflite';

export type Key = string;

interface NodeBase {
  /** Keras layer the node came from, for error messages and tensor names. */
  layer: string;
  className: string;
  inputs: Key[];
  output: Key;
}

/** Conv, depthwise conv and dense: weights whose output channels can absorb a per-channel affine. */
export interface WeightedNode extends NodeBase {
  kind: 'conv' | 'depthwise' | 'dense';
  weights: Float32Array;
  /** TFLite layout: conv [out,kh,kw,in], depthwise [1,kh,kw,out], dense [out,in]. */
  weightShape: number[];
  bias: Float32Array;
  activation: Activation;
  /** Conv/depthwise window options (activation lives above). */
  window?: Omit<ConvOptions, 'activation'> | Omit<DepthwiseConvOptions, 'activation'>;
  keepNumDims?: boolean;
}

export interface PoolNode extends NodeBase {
  kind: 'pool';
  op: 'MAX_POOL_2D' | 'AVERAGE_POOL_2D';
  options: Omit<PoolOptions, 'activation'>;
}

export interface ReduceNode extends NodeBase {
  kind: 'reduce';
  op: 'MEAN' | 'REDUCE_MAX';
  axes: number[];
  keepDims: boolean;
}

export interface ReshapeNode extends NodeBase { kind: 'reshape'; shape: number[] }
export interface UnaryNode extends NodeBase { kind: 'unary'; op: 'RELU' | 'RELU6' | 'LOGISTIC' | 'TANH' | 'SOFTMAX' }
export interface AddNode extends NodeBase { kind: 'add'; activation: Activation }
export interface ConcatNode extends NodeBase { kind: 'concat'; axis: number }
export interface PadNode extends NodeBase { kind: 'pad'; paddings: [number, number][] }
/** Embedding lookup: rows of `table` [rows, dim] picked by the int32 ids of the input (TFLite GATHER). */
export interface GatherNode extends NodeBase { kind: 'gather'; table: Float32Array; tableShape: [number, number] }
/** a / b with broadcasting (TFLite DIV; float only: TFLite has no int8 DIV kernel). */
export interface DivNode extends NodeBase { kind: 'div' }
/** a · b with broadcasting (TFLite MUL). */
export interface MulNode extends NodeBase { kind: 'mul' }
/** y = x * scale + shift along the last axis (an unfolded BatchNormalization, Rescaling). */
export interface AffineNode extends NodeBase { kind: 'affine'; scale: Float32Array; shift: Float32Array }

export type IrNode = WeightedNode | PoolNode | ReduceNode | ReshapeNode | UnaryNode | AddNode | ConcatNode | PadNode | AffineNode | GatherNode | DivNode | MulNode;

export interface IrGraph {
  nodes: IrNode[];
  /** Static shape of every value, batch fixed to 1. */
  shapes: Map<Key, number[]>;
  /** Readable tensor name of every value (layer name, or layer/suffix for intermediates). */
  names: Map<Key, string>;
  inputs: Key[];
  /** Model inputs that hold int32 ids (read by an Embedding); the others are float32. */
  int32Inputs: Set<Key>;
  outputs: Key[];
}

/** How many nodes (and model outputs) read each value. */
export function consumerCounts(graph: IrGraph): Map<Key, number> {
  const counts = new Map<Key, number>();
  const bump = (k: Key) => counts.set(k, (counts.get(k) ?? 0) + 1);
  for (const node of graph.nodes) node.inputs.forEach(bump);
  graph.outputs.forEach(bump);
  return counts;
}
