import * as tf from '@tensorflow/tfjs';
import type { Conv2DBackpropFilterAttrs } from '@tensorflow/tfjs';
import { asTensor4D } from './as-tensor.ts';
import { convGeometry } from './conv-geometry.ts';

/**
 * dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·s + kh − pad, ow·s + kw − pad, ci] · dy[n,oh,ow,co].
 * Read with ci as the batch, n as the input channel and dy as the filter, that is a stride-1
 * conv2d whose dilation is the forward stride — an op wasm runs fast through XNNPACK.
 */
export function conv2DBackpropFilter(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  attrs: Conv2DBackpropFilterAttrs,
): tf.Tensor4D {
  if (attrs.dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter on wasm supports NHWC only; use channelsLast layers.');
  const g = convGeometry(x.shape, attrs.filterShape, attrs.strides, attrs.pad, attrs.dimRoundingMode, false);
  const [, , inChannels, outChannels] = attrs.filterShape;
  return tf.tidy(() => {
    if (g.filterHeight === 1 && g.filterWidth === 1 && g.padTop === 0 && g.padLeft === 0) {
      return pointwiseFilterGradient(x, dy, g.strideHeight, g.strideWidth, inChannels, outChannels);
    }
    // Rows the windows span, counted from the first (possibly padded) row: anything beyond is
    // padding to add (positive) or input rows the forward pass never read (negative).
    const spanHeight = (g.filterHeight - 1) + (g.outHeight - 1) * g.strideHeight + 1;
    const spanWidth = (g.filterWidth - 1) + (g.outWidth - 1) * g.strideWidth + 1;
    const padBottom = spanHeight - g.padTop - g.inHeight;
    const padRight = spanWidth - g.padLeft - g.inWidth;
    const xT = tf.transpose(x, [3, 1, 2, 0]); // [ci, h, w, n]
    const dyT = tf.transpose(dy, [1, 2, 0, 3]); // [oh, ow, n, co]
    const raw = tf.conv2d(
      xT, dyT, 1,
      [[0, 0], [g.padTop, Math.max(0, padBottom)], [g.padLeft, Math.max(0, padRight)], [0, 0]],
      'NHWC', [g.strideHeight, g.strideWidth],
    ); // [ci, kh + crop, kw + crop, co]
    const exact = padBottom < 0 || padRight < 0
      ? tf.slice(raw, [0, 0, 0, 0], [inChannels, g.filterHeight, g.filterWidth, outChannels])
      : raw;
    return tf.transpose(exact, [1, 2, 0, 3]);
  });
}

/** 1x1 kernels need no convolution at all: dW = xᵀ · dy over every (strided) pixel. */
function pointwiseFilterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  strideHeight: number,
  strideWidth: number,
  inChannels: number,
  outChannels: number,
): tf.Tensor4D {
  const [n, outHeight, outWidth] = dy.shape;
  const sampled = strideHeight === 1 && strideWidth === 1
    ? x
    : tf.stridedSlice(x, [0, 0, 0, 0], [n, (outHeight - 1) * strideHeight + 1, (outWidth - 1) * strideWidth + 1, inChannels], [1, strideHeight, strideWidth, 1]);
  const pixels = n * outHeight * outWidth;
  const dw = tf.matMul(tf.reshape(sampled, [pixels, inChannels]), tf.reshape(dy, [pixels, outChannels]), true, false);
  return tf.reshape(dw, [1, 1, inChannels, outChannels]);
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs }) => conv2DBackpropFilter(
    asTensor4D(inputs.x, 'x'), asTensor4D(inputs.dy, 'dy'), attrs as unknown as Conv2DBackpropFilterAttrs,
  ),
};
