import * as tf from '@tensorflow/tfjs';
import type { Conv2DBackpropFilterAttrs } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { asTensor4D } from './as-tensor.ts';
import { convGeometry, type ConvGeometry } from './conv-geometry.ts';
import { float32Output, float32View, wasmBackend } from './wasm-heap.ts';

/** Below this many input channels the im2col path wins (measured crossover, see below). */
const IM2COL_BELOW_IN_CHANNELS = 8;

/**
 * dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·s + kh − pad, ow·s + kw − pad, ci] · dy[n,oh,ow,co].
 * Two exact formulations, picked by input channels (A/B on the reference nets' shapes, batch 64):
 * - few channels (the first conv on 1- or 3-channel images): im2col + one matMul, 1.2–3.8x faster;
 * - otherwise: a conv2d over transposed tensors; im2col was mixed there (up to 1.2x faster, up to
 *   1.5x slower: its copy of kh·kw·ci values per pixel costs as much as the product).
 */
export function conv2DBackpropFilter(
  backend: BackendWasm,
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  attrs: Conv2DBackpropFilterAttrs,
): tf.Tensor4D {
  if (attrs.dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter on wasm supports NHWC only; use channelsLast layers.');
  const g = convGeometry(x.shape, attrs.filterShape, attrs.strides, attrs.pad, attrs.dimRoundingMode, false);
  const [, , inChannels, outChannels] = attrs.filterShape;
  if (g.filterHeight === 1 && g.filterWidth === 1 && g.padTop === 0 && g.padLeft === 0) {
    return tf.tidy(() => pointwiseFilterGradient(x, dy, g.strideHeight, g.strideWidth, inChannels, outChannels));
  }
  if (inChannels < IM2COL_BELOW_IN_CHANNELS) return im2colFilterGradient(backend, x, dy, g, inChannels, outChannels);
  return tf.tidy(() => dilatedConvFilterGradient(x, dy, g, inChannels, outChannels));
}

/** dW = patchesᵀ · dy, patchesᵀ written by a loop straight onto the wasm heap; the matMul runs in XNNPACK. */
function im2colFilterGradient(backend: BackendWasm, x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry, inChannels: number, outChannels: number): tf.Tensor4D {
  return tf.tidy(() => {
    const patchesT = tf.engine().makeTensorFromTensorInfo(transposedIm2col(backend, x, g)) as tf.Tensor2D;
    const dw = tf.matMul(patchesT, tf.reshape(dy, [patchesT.shape[1], outChannels]));
    return tf.reshape(dw, [g.filterHeight, g.filterWidth, inChannels, outChannels]);
  });
}

/**
 * Read with ci as the batch, n as the input channel and dy as the filter, the sum above is a
 * stride-1 conv2d whose dilation is the forward stride.
 */
function dilatedConvFilterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry, inChannels: number, outChannels: number): tf.Tensor4D {
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
}

/**
 * patchesᵀ: row (kh, kw, ci) holds, for every output pixel (n, oh, ow), the input value that
 * filter tap multiplies; padding stays 0. Written transposed so the matMul needs no transpose
 * (wasm's Transpose of this [n·oh·ow, kh·kw·ci] matrix cost more than the matMul itself). The input
 * is first regrouped channel-major (ci, n, h, w) so that each output row of a tap reads one run.
 */
function transposedIm2col(backend: BackendWasm, x: tf.Tensor4D, g: ConvGeometry): tf.TensorInfo {
  const [n, height, width, channels] = x.shape;
  const { outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, padTop, padLeft } = g;
  const pixels = n * outHeight * outWidth;
  const out = float32Output(backend, [filterHeight * filterWidth * channels, pixels]);
  const patchesT = float32View(backend, out, 'patches');
  const planes = channelMajor(float32View(backend, x, 'x'), n * height * width, channels);
  for (let kw = 0; kw < filterWidth; kw++) {
    // Output columns whose tap kw lands inside the input row (the others read padding: 0).
    const owFrom = Math.max(0, Math.ceil((padLeft - kw) / strideWidth));
    const owTo = Math.min(outWidth, Math.floor((width - 1 + padLeft - kw) / strideWidth) + 1);
    if (owTo <= owFrom) continue;
    const iwFrom = owFrom * strideWidth - padLeft + kw;
    for (let kh = 0; kh < filterHeight; kh++) {
      for (let c = 0; c < channels; c++) {
        const rowStart = ((kh * filterWidth + kw) * channels + c) * pixels;
        for (let b = 0; b < n; b++) {
          for (let oh = 0; oh < outHeight; oh++) {
            const ih = oh * strideHeight - padTop + kh;
            if (ih < 0 || ih >= height) continue;
            const from = ((c * n + b) * height + ih) * width + iwFrom;
            const to = rowStart + (b * outHeight + oh) * outWidth + owFrom;
            for (let i = 0; i < owTo - owFrom; i++) patchesT[to + i] = planes[from + i * strideWidth];
          }
        }
      }
    }
  }
  return out;
}

/** [pixels, channels] → [channels, pixels], into a JS-side buffer. */
function channelMajor(values: Float32Array, pixels: number, channels: number): Float32Array {
  if (channels === 1) return values;
  const planes = new Float32Array(values.length);
  for (let p = 0, at = 0; p < pixels; p++) {
    for (let c = 0; c < channels; c++, at++) planes[c * pixels + p] = values[at];
  }
  return planes;
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
  kernelFunc: ({ inputs, attrs, backend }) => conv2DBackpropFilter(
    wasmBackend(backend, 'Conv2DBackpropFilter'), asTensor4D(inputs.x, 'x'), asTensor4D(inputs.dy, 'dy'), attrs as unknown as Conv2DBackpropFilterAttrs,
  ),
};
