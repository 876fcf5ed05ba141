import * as tf from '@tensorflow/tfjs';
import type {
  DepthwiseConv2dNativeBackpropFilterAttrs,
  DepthwiseConv2dNativeBackpropInputAttrs,
} from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { asTensor4D } from './as-tensor.ts';
import { fullCorrelationPadding } from './conv2d-backprop-input.ts';
import { convGeometry, insertZeros } from './conv-geometry.ts';
import { address, simdKernels } from './simd-kernels.ts';
import { float32Output, wasmBackend } from './wasm-heap.ts';

function requireUnitDilation(dilations: [number, number] | number, kernel: string): void {
  const [dh, dw] = typeof dilations === 'number' ? [dilations, dilations] : dilations;
  // tfjs' own depthwise gradient rejects dilation > 1 before reaching us; keep the contract explicit.
  if (dh !== 1 || dw !== 1) throw new Error(`${kernel} on wasm supports dilation 1 only (got ${dh},${dw}).`);
}

/**
 * dW[kh,kw,c,m] = Σ_{n,oh,ow} x[n, oh·s + kh − pad, ow·s + kw − pad, c] · dy[n,oh,ow,c·M+m].
 * Folding the batch into the channels turns this into one depthwise conv over N·C channels
 * (dilation = forward stride) followed by a sum over the batch.
 */
export function depthwiseBackpropFilter(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  attrs: DepthwiseConv2dNativeBackpropFilterAttrs,
): tf.Tensor4D {
  requireUnitDilation(attrs.dilations, 'DepthwiseConv2dNativeBackpropFilter');
  const g = convGeometry(x.shape, attrs.filterShape, attrs.strides, attrs.pad, attrs.dimRoundingMode, true);
  const [n, height, width, channels] = x.shape;
  const multiplier = attrs.filterShape[3];
  return tf.tidy(() => {
    const spanHeight = (g.filterHeight - 1) + (g.outHeight - 1) * g.strideHeight + 1;
    const spanWidth = (g.filterWidth - 1) + (g.outWidth - 1) * g.strideWidth + 1;
    const padBottom = spanHeight - g.padTop - g.inHeight;
    const padRight = spanWidth - g.padLeft - g.inWidth;
    const xFolded = tf.reshape<tf.Rank.R4>(tf.transpose(x, [1, 2, 0, 3]), [1, height, width, n * channels]);
    const dyFolded = tf.reshape<tf.Rank.R4>(tf.transpose(dy, [1, 2, 0, 3]), [g.outHeight, g.outWidth, n * channels, multiplier]);
    const raw = tf.depthwiseConv2d(
      xFolded, dyFolded, 1,
      [[0, 0], [g.padTop, Math.max(0, padBottom)], [g.padLeft, Math.max(0, padRight)], [0, 0]],
      'NHWC', [g.strideHeight, g.strideWidth],
    ); // [1, kh + crop, kw + crop, n·c·m]
    const exact = tf.slice(raw, [0, 0, 0, 0], [1, g.filterHeight, g.filterWidth, n * channels * multiplier]);
    const perSample = tf.reshape(exact, [g.filterHeight, g.filterWidth, n, channels * multiplier]);
    return tf.reshape<tf.Rank.R4>(tf.sum(perSample, 2), [g.filterHeight, g.filterWidth, channels, multiplier]);
  });
}

/**
 * dx is the full correlation of the zero-dilated dy with the flipped filter, channel by channel.
 * With a channel multiplier M, each of the C·M gradient channels is correlated on its own and the
 * M results belonging to one input channel are summed.
 */
export function depthwiseBackpropInput(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  attrs: DepthwiseConv2dNativeBackpropInputAttrs,
): tf.Tensor4D {
  requireUnitDilation(attrs.dilations, 'DepthwiseConv2dNativeBackpropInput');
  const g = convGeometry(attrs.inputShape, filter.shape, attrs.strides, attrs.pad, attrs.dimRoundingMode, true);
  const [n, height, width, channels] = attrs.inputShape;
  const [kh, kw, , multiplier] = filter.shape;
  return tf.tidy(() => {
    const padded = fullCorrelationPadding(insertZeros(dy, g.strideHeight, g.strideWidth), g);
    const flipped = tf.reshape<tf.Rank.R4>(tf.reverse(filter, [0, 1]), [kh, kw, channels * multiplier, 1]);
    const perChannel = tf.depthwiseConv2d(padded, flipped, 1, 'valid'); // [n, h, w, c·m]
    if (multiplier === 1) return perChannel;
    return tf.sum<tf.Tensor4D>(tf.reshape(perChannel, [n, height, width, channels, multiplier]), 4);
  });
}

/**
 * The same gradient with channel multiplier 1 (every depthwise layer the families build) as one
 * SIMD pass over x and dy (simd-kernels.c `depthwise_filter_grad`): no transposes, no folded conv.
 */
function depthwiseBackpropFilterSimd(backend: BackendWasm, x: tf.TensorInfo, dy: tf.TensorInfo, attrs: DepthwiseConv2dNativeBackpropFilterAttrs): tf.TensorInfo {
  const xShape = x.shape as [number, number, number, number];
  const g = convGeometry(xShape, attrs.filterShape, attrs.strides, attrs.pad, attrs.dimRoundingMode, true);
  const out = backend.makeOutput(attrs.filterShape, 'float32');
  simdKernels(backend).depthwise_filter_grad(
    address(backend, x, 'x'), address(backend, dy, 'dy'), address(backend, out, 'dw'),
    xShape[0], g.inHeight, g.inWidth, xShape[3], g.outHeight, g.outWidth,
    g.filterHeight, g.filterWidth, g.strideHeight, g.strideWidth, g.padTop, g.padLeft,
  );
  return out;
}

export const depthwiseBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs, backend }) => {
    const filterAttrs = attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
    requireUnitDilation(filterAttrs.dilations, 'DepthwiseConv2dNativeBackpropFilter');
    const { x, dy } = inputs;
    if (x && dy && filterAttrs.filterShape[3] === 1 && x.dtype === 'float32' && dy.dtype === 'float32') {
      return depthwiseBackpropFilterSimd(wasmBackend(backend, 'DepthwiseConv2dNativeBackpropFilter'), x, dy, filterAttrs);
    }
    return depthwiseBackpropFilter(asTensor4D(x, 'x'), asTensor4D(dy, 'dy'), filterAttrs);
  },
};

/** The same gradient with channel multiplier 1 as one SIMD pass (simd-kernels.c `depthwise_input_grad`). */
function depthwiseBackpropInputSimd(backend: BackendWasm, dy: tf.TensorInfo, filter: tf.TensorInfo, attrs: DepthwiseConv2dNativeBackpropInputAttrs): tf.TensorInfo {
  const g = convGeometry(attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, attrs.pad, attrs.dimRoundingMode, true);
  const out = float32Output(backend, attrs.inputShape); // zeroed: overlapping windows add into it
  simdKernels(backend).depthwise_input_grad(
    address(backend, dy, 'dy'), address(backend, filter, 'filter'), address(backend, out, 'dx'),
    attrs.inputShape[0], g.inHeight, g.inWidth, attrs.inputShape[3], g.outHeight, g.outWidth,
    g.filterHeight, g.filterWidth, g.strideHeight, g.strideWidth, g.padTop, g.padLeft,
  );
  return out;
}

export const depthwiseBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs, backend }) => {
    const inputAttrs = attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
    requireUnitDilation(inputAttrs.dilations, 'DepthwiseConv2dNativeBackpropInput');
    const { dy, filter } = inputs;
    if (dy && filter && filter.shape[3] === 1 && dy.dtype === 'float32' && filter.dtype === 'float32') {
      return depthwiseBackpropInputSimd(wasmBackend(backend, 'DepthwiseConv2dNativeBackpropInput'), dy, filter, inputAttrs);
    }
    return depthwiseBackpropInput(asTensor4D(dy, 'dy'), asTensor4D(filter, 'filter'), inputAttrs);
  },
};
