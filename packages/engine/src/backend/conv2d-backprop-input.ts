import * as tf from '@tensorflow/tfjs';
import type { Conv2DBackpropInputAttrs } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { asTensor4D } from './as-tensor.ts';
import { convGeometry, insertZeros, padOrCropSpatial, type ConvGeometry } from './conv-geometry.ts';
import { float32Output, float32View, wasmBackend } from './wasm-heap.ts';

/** Strided convs with fewer input channels than this take the col2im path (measured, see below). */
const COL2IM_BELOW_IN_CHANNELS = 8;

/**
 * Two exact formulations (wasm ships a correct Conv2DBackpropInput, but it is 5–8x slower than
 * either, measured):
 * - strided, few input channels (a first conv on 1- or 3-channel images, e.g. the MobileNet-like
 *   stem, whose input gradient tfjs' fused conv computes although nothing uses it): cols = dy · Wᵀ
 *   as one matMul, then col2im adds each column back onto its window (3x3/2 stem, batch 64:
 *   27 → 5 ms; at stride 1 the conv below is as fast or faster);
 * - otherwise: the full correlation of the zero-dilated dy with the spatially flipped filter whose
 *   in/out channels are swapped, one conv2d (at stride s, s² of its multiply-adds hit the zeros).
 */
export function conv2DBackpropInput(
  backend: BackendWasm,
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  attrs: Conv2DBackpropInputAttrs,
): tf.Tensor4D {
  if (attrs.dataFormat === 'NCHW') throw new Error('Conv2DBackpropInput on wasm supports NHWC only; use channelsLast layers.');
  const g = convGeometry(attrs.inputShape, filter.shape, attrs.strides, attrs.pad, attrs.dimRoundingMode, false);
  const strided = g.strideHeight > 1 || g.strideWidth > 1;
  if (strided && filter.shape[2] < COL2IM_BELOW_IN_CHANNELS) return col2imInputGradient(backend, dy, filter, attrs.inputShape, g);
  return tf.tidy(() => {
    const dilated = insertZeros(dy, g.strideHeight, g.strideWidth);
    const padded = fullCorrelationPadding(dilated, g);
    const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
    return tf.conv2d(padded, flipped, 1, 'valid');
  });
}

function col2imInputGradient(
  backend: BackendWasm,
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inputShape: [number, number, number, number],
  g: ConvGeometry,
): tf.Tensor4D {
  const [n, height, width, channels] = inputShape;
  const [kh, kw, , outChannels] = filter.shape;
  const { outHeight, outWidth, strideHeight, strideWidth, padTop, padLeft } = g;
  const cols = tf.tidy(() => tf.matMul(tf.reshape(dy, [n * outHeight * outWidth, outChannels]), tf.reshape(filter, [kh * kw * channels, outChannels]), false, true));
  const out = float32Output(backend, inputShape);
  const columns = float32View(backend, cols, 'cols');
  const dx = float32View(backend, out, 'dx');
  const rowLength = kh * kw * channels;
  for (let b = 0, row = 0; b < n; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++, row += rowLength) {
        for (let i = 0; i < kh; i++) {
          const ih = oh * strideHeight - padTop + i;
          if (ih < 0 || ih >= height) continue;
          for (let j = 0; j < kw; j++) {
            const iw = ow * strideWidth - padLeft + j;
            if (iw < 0 || iw >= width) continue;
            const to = ((b * height + ih) * width + iw) * channels;
            const from = row + (i * kw + j) * channels;
            for (let c = 0; c < channels; c++) dx[to + c] += columns[from + c];
          }
        }
      }
    }
  }
  cols.dispose();
  return tf.engine().makeTensorFromTensorInfo(out) as tf.Tensor4D;
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
  kernelFunc: ({ inputs, attrs, backend }) => conv2DBackpropInput(
    wasmBackend(backend, 'Conv2DBackpropInput'), asTensor4D(inputs.dy, 'dy'), asTensor4D(inputs.filter, 'filter'), attrs as unknown as Conv2DBackpropInputAttrs,
  ),
};
