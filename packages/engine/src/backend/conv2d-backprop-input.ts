import * as tf from '@tensorflow/tfjs';
import type { Conv2DBackpropInputAttrs } from '@tensorflow/tfjs';
import { asTensor4D } from './as-tensor.ts';
import { convGeometry, insertZeros, padOrCropSpatial } from './conv-geometry.ts';

/**
 * dx is the full correlation of the zero-dilated dy with the spatially flipped filter whose in/out
 * channels are swapped. wasm ships a correct Conv2DBackpropInput, but it is 5–8x slower than this
 * conv2d-based one (measured), so this replaces it.
 */
export function conv2DBackpropInput(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  attrs: Conv2DBackpropInputAttrs,
): tf.Tensor4D {
  if (attrs.dataFormat === 'NCHW') throw new Error('Conv2DBackpropInput on wasm supports NHWC only; use channelsLast layers.');
  const g = convGeometry(attrs.inputShape, filter.shape, attrs.strides, attrs.pad, attrs.dimRoundingMode, false);
  return tf.tidy(() => {
    const dilated = insertZeros(dy, g.strideHeight, g.strideWidth);
    const padded = fullCorrelationPadding(dilated, g);
    const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
    return tf.conv2d(padded, flipped, 1, 'valid');
  });
}

/**
 * Pads the dilated gradient so a valid stride-1 correlation yields exactly the input size:
 * (k − 1 − padTop) before, and whatever makes the length `in + k − 1` after (possibly a crop).
 */
export function fullCorrelationPadding(
  dilated: tf.Tensor4D,
  g: { inHeight: number; inWidth: number; filterHeight: number; filterWidth: number; padTop: number; padLeft: number },
): tf.Tensor4D {
  const top = g.filterHeight - 1 - g.padTop;
  const left = g.filterWidth - 1 - g.padLeft;
  const bottom = g.inHeight + g.filterHeight - 1 - top - dilated.shape[1];
  const right = g.inWidth + g.filterWidth - 1 - left - dilated.shape[2];
  return padOrCropSpatial(dilated, top, bottom, left, right);
}

export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: ({ inputs, attrs }) => conv2DBackpropInput(
    asTensor4D(inputs.dy, 'dy'), asTensor4D(inputs.filter, 'filter'), attrs as unknown as Conv2DBackpropInputAttrs,
  ),
};
