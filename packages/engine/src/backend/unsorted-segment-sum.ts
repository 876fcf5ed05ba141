import * as tf from '@tensorflow/tfjs';
import type { UnsortedSegmentSumAttrs } from '@tensorflow/tfjs';

function asTensor(info: tf.TensorInfo | undefined, name: string): tf.Tensor {
  if (!info) throw new Error(`Kernel input '${name}' is missing.`);
  return info instanceof tf.Tensor ? info : tf.engine().makeTensorFromTensorInfo(info);
}

/**
 * UnsortedSegmentSum for wasm, which 4.22 lacks: it is the gradient of GATHER, so an Embedding
 * layer cannot train without it. Rows of `x` ([n, ...inner]) are added into row segmentIds[i] of
 * a [numSegments, ...inner] result; ids outside [0, numSegments) are dropped (TF semantics). A plain
 * loop over the data: one pass over x, far cheaper than a one-hot matMul for large vocabularies.
 */
export function unsortedSegmentSum(x: tf.Tensor, segmentIds: tf.Tensor, numSegments: number): tf.Tensor {
  const values = x.dataSync();
  const ids = segmentIds.dataSync();
  const rows = segmentIds.size;
  const inner = x.size / Math.max(rows, 1);
  const out = new Float32Array(numSegments * inner);
  for (let r = 0; r < rows; r++) {
    const id = ids[r];
    if (id < 0 || id >= numSegments) continue;
    const from = r * inner;
    const to = id * inner;
    for (let k = 0; k < inner; k++) out[to + k] += values[from + k];
  }
  return tf.tensor(out, [numSegments, ...x.shape.slice(segmentIds.rank)], 'float32');
}

export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs }) =>
    unsortedSegmentSum(asTensor(inputs.x, 'x'), asTensor(inputs.segmentIds, 'segmentIds'), (attrs as unknown as UnsortedSegmentSumAttrs).numSegments),
};
