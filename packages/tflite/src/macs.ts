import type { TfliteModel } from './model.ts';

/**
 * Multiply-accumulates of one inference (batch 1): the convolutions' and fully connected layers',
 * which dominate a classifier's time on a phone. Element-wise ops, pooling and softmax are left out
 * (a few per output value, not per weight). The search uses it as a latency proxy that needs no
 * device: two models' MACs compare the way their latencies on one phone do, within a family.
 */
export function countMacs(model: TfliteModel): number {
  let macs = 0;
  for (const op of model.operators) {
    const outputValues = perSample(model.tensors[op.outputs[0]].shape);
    const weights = model.tensors[op.inputs[1]]?.shape;
    switch (op.op) {
      case 'CONV_2D': { // weights [outC, kh, kw, inC]; each output value sums kh·kw·inC products
        const [, kh, kw, inC] = weights;
        macs += outputValues * kh * kw * inC;
        break;
      }
      case 'DEPTHWISE_CONV_2D': { // weights [1, kh, kw, outC]: one input channel per output value
        const [, kh, kw] = weights;
        macs += outputValues * kh * kw;
        break;
      }
      case 'FULLY_CONNECTED': { // weights [units, inputs]
        macs += outputValues * weights[1];
        break;
      }
    }
  }
  return macs;
}

/** Values per sample: the shape without its batch dimension. */
function perSample(shape: readonly number[]): number {
  return shape.slice(1).reduce((product, size) => product * Math.max(1, size), 1);
}
