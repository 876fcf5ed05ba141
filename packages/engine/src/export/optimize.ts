/**
 * IR rewrites that keep results identical up to float rounding:
 * - fold an affine (BatchNormalization) into the conv/depthwise/dense that feeds only it;
 * - fuse a RELU/RELU6 into the conv/depthwise/dense/add that feeds only it;
 * - drop nodes whose results nothing reads.
 */
import { consumerCounts } from './ir.ts';
import type { AffineNode, IrGraph, IrNode, Key, WeightedNode } from './ir.ts';

const isWeighted = (n: IrNode): n is WeightedNode => n.kind === 'conv' || n.kind === 'depthwise' || n.kind === 'dense';

function producers(graph: IrGraph): Map<Key, IrNode> {
  return new Map(graph.nodes.map((n) => [n.output, n]));
}

/** Scales output channel c of the weights by scale[c] and maps the bias through the affine. */
function foldInto(node: WeightedNode, affine: AffineNode): void {
  const channels = node.bias.length;
  // Output channels are the outermost axis for conv [out,kh,kw,in] and dense [out,in], the
  // innermost for depthwise [1,kh,kw,out].
  const inner = node.kind === 'depthwise';
  const perChannel = node.weights.length / channels;
  for (let i = 0; i < node.weights.length; i++) {
    const c = inner ? i % channels : Math.floor(i / perChannel);
    node.weights[i] *= affine.scale[c];
  }
  for (let c = 0; c < channels; c++) node.bias[c] = node.bias[c] * affine.scale[c] + affine.shift[c];
}

function foldAffines(graph: IrGraph): void {
  const counts = consumerCounts(graph);
  const byOutput = producers(graph);
  graph.nodes = graph.nodes.filter((node) => {
    if (node.kind !== 'affine') return true;
    const producer = byOutput.get(node.inputs[0]);
    if (!producer || !isWeighted(producer) || producer.activation !== 'none' || counts.get(node.inputs[0]) !== 1) return true;
    if (producer.bias.length !== node.scale.length) return true;
    foldInto(producer, node);
    producer.output = node.output;
    byOutput.set(node.output, producer);
    return false;
  });
}

function fuseActivations(graph: IrGraph): void {
  const counts = consumerCounts(graph);
  const byOutput = producers(graph);
  graph.nodes = graph.nodes.filter((node) => {
    if (node.kind !== 'unary' || (node.op !== 'RELU' && node.op !== 'RELU6')) return true;
    const producer = byOutput.get(node.inputs[0]);
    if (!producer || !(isWeighted(producer) || producer.kind === 'add')) return true;
    if (producer.activation !== 'none' || counts.get(node.inputs[0]) !== 1) return true;
    producer.activation = node.op === 'RELU' ? 'relu' : 'relu6';
    producer.output = node.output;
    byOutput.set(node.output, producer);
    return false;
  });
}

function dropUnused(graph: IrGraph): void {
  const live = new Set<Key>(graph.outputs);
  const kept: IrNode[] = [];
  for (const node of [...graph.nodes].reverse()) {
    if (!live.has(node.output)) continue;
    kept.push(node);
    node.inputs.forEach((k) => live.add(k));
  }
  graph.nodes = kept.reverse();
}

export function optimize(graph: IrGraph): void {
  dropUnused(graph);
  foldAffines(graph);
  fuseActivations(graph);
}
