/*
 * Training kernels for the tfjs wasm backend, in WebAssembly SIMD (128-bit).
 *
 * The module imports the backend's own memory (`env.memory`), so a kernel reads its inputs and
 * writes its output where tfjs keeps the tensors: every pointer below is a byte offset into that
 * memory, taken from the backend's tensor records. The module owns no memory: no data segment and
 * no stack (scripts/build-kernels.mjs refuses a build that uses either), so it can never write
 * outside the tensors it is given.
 *
 * Each kernel matches the cpu backend's result (the reference harness in training-kernels.test.ts).
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

/* Lane indices 0..3, added to a base index to get each lane's own index. */
static inline v128_t lane_indices(int base) {
  return wasm_i32x4_add(wasm_i32x4_splat(base), wasm_i32x4_make(0, 1, 2, 3));
}

/*
 * ReLU6's gradient (a clipByValue's): dx = dy where lo <= x <= hi, else 0. NaN compares false and
 * gets no gradient, as in TensorFlow.
 */
EXPORT(clip_by_value_grad)
void clip_by_value_grad(const float *x, const float *dy, float *dx, int n, float lo, float hi) {
  const v128_t low = wasm_f32x4_splat(lo), high = wasm_f32x4_splat(hi);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t v = wasm_v128_load(x + i);
    const v128_t inside = wasm_v128_and(wasm_f32x4_ge(v, low), wasm_f32x4_le(v, high));
    wasm_v128_store(dx + i, wasm_v128_and(inside, wasm_v128_load(dy + i)));
  }
  for (; i < n; i++) dx[i] = (x[i] >= lo && x[i] <= hi) ? dy[i] : 0.0f;
}

/*
 * Per-channel sum (or mean) of a [rows, channels] matrix: BatchNorm's moments and gradients and
 * bias gradients of NHWC tensors. Rows are taken in blocks that stay in L1; each block is summed in
 * float32 and added to float64 totals (`totals`: `channels` doubles of scratch), so sums over 100k
 * rows keep float32 precision.
 */
#define SUM_BLOCK_ROWS 64

/* Adds a block's four float32 lane sums to four float64 totals. */
static inline void add_to_totals(double *totals, v128_t sum) {
  const v128_t high = wasm_i32x4_shuffle(sum, sum, 2, 3, 0, 1);
  wasm_v128_store(totals, wasm_f64x2_add(wasm_v128_load(totals), wasm_f64x2_promote_low_f32x4(sum)));
  wasm_v128_store(totals + 2, wasm_f64x2_add(wasm_v128_load(totals + 2), wasm_f64x2_promote_low_f32x4(high)));
}

/*
 * Per-channel float64 totals of a [rows, channels] matrix, in blocks summed in float32: of the values, or with
 * `center` of their squared deviations from it (BatchNorm's variance times rows).
 */
static void channel_totals(const float *x, const float *center, int rows, int channels, double *totals) {
  const int vector_end = channels & ~3;
  for (int c = 0; c < channels; c++) totals[c] = 0.0;
  for (int first = 0; first < rows; first += SUM_BLOCK_ROWS) {
    const int last = first + SUM_BLOCK_ROWS < rows ? first + SUM_BLOCK_ROWS : rows;
    for (int c = 0; c < vector_end; c += 4) {
      const float *at = x + first * channels + c;
      v128_t sum = wasm_f32x4_splat(0.0f);
      if (center) {
        const v128_t m = wasm_v128_load(center + c);
        for (int row = first; row < last; row++, at += channels) {
          const v128_t d = wasm_f32x4_sub(wasm_v128_load(at), m);
          sum = wasm_f32x4_add(sum, wasm_f32x4_mul(d, d));
        }
      } else {
        for (int row = first; row < last; row++, at += channels) sum = wasm_f32x4_add(sum, wasm_v128_load(at));
      }
      add_to_totals(totals + c, sum);
    }
    for (int c = vector_end; c < channels; c++) {
      float sum = 0.0f;
      for (int row = first; row < last; row++) {
        const float d = x[row * channels + c] - (center ? center[c] : 0.0f);
        sum += center ? d * d : d;
      }
      totals[c] += sum;
    }
  }
}

EXPORT(channel_sum)
void channel_sum(const float *x, int rows, int channels, double *totals, float *out, int mean) {
  channel_totals(x, 0, rows, channels, totals);
  for (int c = 0; c < channels; c++) out[c] = (float)(mean ? totals[c] / rows : totals[c]);
}

/*
 * MaxPool's gradient, NHWC. Each window's dy goes to its first maximum in row-major window order,
 * as the cpu backend does; padding never wins (the window is clipped to the input). `dx` must be
 * zero on entry (windows may overlap, so gradients are added).
 */
EXPORT(max_pool_grad)
void max_pool_grad(const float *x, const float *dy, float *dx, int batch, int in_height, int in_width,
                   int channels, int out_height, int out_width, int filter_height, int filter_width,
                   int stride_height, int stride_width, int pad_top, int pad_left) {
  const int vector_end = channels & ~3;
  for (int n = 0; n < batch; n++) {
    const int image = n * in_height * in_width * channels;
    for (int oh = 0; oh < out_height; oh++) {
      const int row_start = oh * stride_height - pad_top;
      const int row_from = row_start > 0 ? row_start : 0;
      const int row_to = row_start + filter_height < in_height ? row_start + filter_height : in_height;
      for (int ow = 0; ow < out_width; ow++) {
        const int col_start = ow * stride_width - pad_left;
        const int col_from = col_start > 0 ? col_start : 0;
        const int col_to = col_start + filter_width < in_width ? col_start + filter_width : in_width;
        const int first = image + (row_from * in_width + col_from) * channels;
        const int dy_at = ((n * out_height + oh) * out_width + ow) * channels;
        for (int c = 0; c < vector_end; c += 4) {
          /* The window's first pixel seeds the maximum; a strictly greater value replaces it. */
          v128_t best = wasm_v128_load(x + first + c);
          v128_t best_at = lane_indices(first + c);
          for (int h = row_from; h < row_to; h++) {
            for (int w = col_from; w < col_to; w++) {
              const int at = image + (h * in_width + w) * channels + c;
              const v128_t value = wasm_v128_load(x + at);
              const v128_t greater = wasm_f32x4_gt(value, best);
              best = wasm_v128_bitselect(value, best, greater);
              best_at = wasm_v128_bitselect(lane_indices(at), best_at, greater);
            }
          }
          const v128_t gradient = wasm_v128_load(dy + dy_at + c);
          dx[wasm_i32x4_extract_lane(best_at, 0)] += wasm_f32x4_extract_lane(gradient, 0);
          dx[wasm_i32x4_extract_lane(best_at, 1)] += wasm_f32x4_extract_lane(gradient, 1);
          dx[wasm_i32x4_extract_lane(best_at, 2)] += wasm_f32x4_extract_lane(gradient, 2);
          dx[wasm_i32x4_extract_lane(best_at, 3)] += wasm_f32x4_extract_lane(gradient, 3);
        }
        for (int c = vector_end; c < channels; c++) {
          float best = x[first + c];
          int best_at = first + c;
          for (int h = row_from; h < row_to; h++) {
            for (int w = col_from; w < col_to; w++) {
              const int at = image + (h * in_width + w) * channels + c;
              if (x[at] > best) {
                best = x[at];
                best_at = at;
              }
            }
          }
          dx[best_at] += dy[dy_at + c];
        }
      }
    }
  }
}

/* The output positions [*from, *to) whose input position o·stride + k − pad lies in [0, size). */
static inline void valid_outputs(int k, int pad, int stride, int size, int outputs, int *from, int *to) {
  int o = 0;
  while (o < outputs && o * stride + k - pad < 0) o++;
  *from = o;
  while (o < outputs && o * stride + k - pad < size) o++;
  *to = o;
}

/*
 * Depthwise convolution's filter gradient, channel multiplier 1, dilation 1, NHWC:
 *   dw[kh, kw, c] = Σ_{n, oh, ow} x[n, oh·sh + kh − top, ow·sw + kw − left, c] · dy[n, oh, ow, c].
 * One image at a time (its x and dy stay in L2), each filter tap summed in float32 registers over
 * the image, then added to dw.
 */
EXPORT(depthwise_filter_grad)
void depthwise_filter_grad(const float *x, const float *dy, float *dw, int batch, int in_height, int in_width,
                           int channels, int out_height, int out_width, int filter_height, int filter_width,
                           int stride_height, int stride_width, int pad_top, int pad_left) {
  const int vector_end = channels & ~3;
  for (int i = 0; i < filter_height * filter_width * channels; i++) dw[i] = 0.0f;
  for (int n = 0; n < batch; n++) {
    const float *image = x + n * in_height * in_width * channels;
    const float *gradient = dy + n * out_height * out_width * channels;
    for (int kh = 0; kh < filter_height; kh++) {
      int oh_from, oh_to;
      valid_outputs(kh, pad_top, stride_height, in_height, out_height, &oh_from, &oh_to);
      for (int kw = 0; kw < filter_width; kw++) {
        int ow_from, ow_to;
        valid_outputs(kw, pad_left, stride_width, in_width, out_width, &ow_from, &ow_to);
        float *tap = dw + (kh * filter_width + kw) * channels;
        for (int c = 0; c < vector_end; c += 4) {
          v128_t sum = wasm_f32x4_splat(0.0f);
          for (int oh = oh_from; oh < oh_to; oh++) {
            const float *in = image + ((oh * stride_height + kh - pad_top) * in_width + ow_from * stride_width + kw - pad_left) * channels + c;
            const float *g = gradient + (oh * out_width + ow_from) * channels + c;
            for (int ow = ow_from; ow < ow_to; ow++, in += stride_width * channels, g += channels) {
              sum = wasm_f32x4_add(sum, wasm_f32x4_mul(wasm_v128_load(in), wasm_v128_load(g)));
            }
          }
          wasm_v128_store(tap + c, wasm_f32x4_add(wasm_v128_load(tap + c), sum));
        }
        for (int c = vector_end; c < channels; c++) {
          float sum = 0.0f;
          for (int oh = oh_from; oh < oh_to; oh++) {
            for (int ow = ow_from; ow < ow_to; ow++) {
              sum += image[((oh * stride_height + kh - pad_top) * in_width + ow * stride_width + kw - pad_left) * channels + c] *
                     gradient[(oh * out_width + ow) * channels + c];
            }
          }
          tap[c] += sum;
        }
      }
    }
  }
}

/*
 * Depthwise convolution's input gradient, channel multiplier 1, dilation 1, NHWC: every output
 * position sends dy · w back to the input pixels its window read,
 *   dx[n, oh·sh + kh − top, ow·sw + kw − left, c] += dy[n, oh, ow, c] · w[kh, kw, c],
 * skipping taps that fell on padding. `dx` must be zero on entry.
 */
EXPORT(depthwise_input_grad)
void depthwise_input_grad(const float *dy, const float *w, float *dx, int batch, int in_height, int in_width,
                          int channels, int out_height, int out_width, int filter_height, int filter_width,
                          int stride_height, int stride_width, int pad_top, int pad_left) {
  const int vector_end = channels & ~3;
  for (int n = 0; n < batch; n++) {
    float *image = dx + n * in_height * in_width * channels;
    const float *gradient = dy + n * out_height * out_width * channels;
    for (int kh = 0; kh < filter_height; kh++) {
      int oh_from, oh_to;
      valid_outputs(kh, pad_top, stride_height, in_height, out_height, &oh_from, &oh_to);
      for (int kw = 0; kw < filter_width; kw++) {
        int ow_from, ow_to;
        valid_outputs(kw, pad_left, stride_width, in_width, out_width, &ow_from, &ow_to);
        const float *tap = w + (kh * filter_width + kw) * channels;
        for (int oh = oh_from; oh < oh_to; oh++) {
          float *in = image + ((oh * stride_height + kh - pad_top) * in_width + ow_from * stride_width + kw - pad_left) * channels;
          const float *g = gradient + (oh * out_width + ow_from) * channels;
          for (int ow = ow_from; ow < ow_to; ow++, in += stride_width * channels, g += channels) {
            int c = 0;
            for (; c < vector_end; c += 4) {
              wasm_v128_store(in + c, wasm_f32x4_add(wasm_v128_load(in + c), wasm_f32x4_mul(wasm_v128_load(g + c), wasm_v128_load(tap + c))));
            }
            for (; c < channels; c++) in[c] += g[c] * tap[c];
          }
        }
      }
    }
  }
}

/*
 * One Adam step for one variable, the same float32 operations in the same order as tfjs' AdamOptimizer
 * (so the result is bit for bit tfjs'): m' = m·β1 + g·(1−β1), v' = v·β2 + g²·(1−β2),
 * w' = (m'/(1−β1ᵗ)) / (√(v'/(1−β2ᵗ)) + ε) · (−lr) + w. One pass instead of twelve full-size ops.
 */
EXPORT(adam_update)
void adam_update(const float *w, const float *m, const float *v, const float *g, float *w_out, float *m_out,
                 float *v_out, int n, float beta1, float one_minus_beta1, float beta2, float one_minus_beta2,
                 float one_minus_acc_beta1, float one_minus_acc_beta2, float epsilon, float negative_rate) {
  const v128_t b1 = wasm_f32x4_splat(beta1), c1 = wasm_f32x4_splat(one_minus_beta1);
  const v128_t b2 = wasm_f32x4_splat(beta2), c2 = wasm_f32x4_splat(one_minus_beta2);
  const v128_t a1 = wasm_f32x4_splat(one_minus_acc_beta1), a2 = wasm_f32x4_splat(one_minus_acc_beta2);
  const v128_t eps = wasm_f32x4_splat(epsilon), rate = wasm_f32x4_splat(negative_rate);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t gradient = wasm_v128_load(g + i);
    const v128_t first = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + i), b1), wasm_f32x4_mul(gradient, c1));
    const v128_t second = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + i), b2), wasm_f32x4_mul(wasm_f32x4_mul(gradient, gradient), c2));
    const v128_t denominator = wasm_f32x4_add(wasm_f32x4_sqrt(wasm_f32x4_div(second, a2)), eps);
    const v128_t step = wasm_f32x4_mul(wasm_f32x4_div(wasm_f32x4_div(first, a1), denominator), rate);
    wasm_v128_store(m_out + i, first);
    wasm_v128_store(v_out + i, second);
    wasm_v128_store(w_out + i, wasm_f32x4_add(step, wasm_v128_load(w + i)));
  }
  for (; i < n; i++) {
    const float first = m[i] * beta1 + g[i] * one_minus_beta1;
    const float second = v[i] * beta2 + (g[i] * g[i]) * one_minus_beta2;
    m_out[i] = first;
    v_out[i] = second;
    w_out[i] = ((first / one_minus_acc_beta1) / (__builtin_sqrtf(second / one_minus_acc_beta2) + epsilon)) * negative_rate + w[i];
  }
}

/*
 * BatchNorm over the last axis: out = (x − mean)·(scale/√(variance + ε)) + offset. The per-channel factor is
 * computed once into `factors` (scratch, `channels` floats), not a division and a square root per element as in
 * wasm's own kernel. A missing offset is 0, a missing scale 1.
 */
EXPORT(batch_norm)
void batch_norm(const float *x, const float *mean, const float *variance, const float *offset, const float *scale,
                float *out, int rows, int channels, float epsilon, float *factors, int has_offset, int has_scale) {
  const int vector_end = channels & ~3;
  for (int c = 0; c < channels; c++) factors[c] = (has_scale ? scale[c] : 1.0f) / __builtin_sqrtf(variance[c] + epsilon);
  for (int row = 0; row < rows; row++) {
    const float *in = x + row * channels;
    float *o = out + row * channels;
    int c = 0;
    for (; c < vector_end; c += 4) {
      v128_t value = wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(in + c), wasm_v128_load(mean + c)), wasm_v128_load(factors + c));
      if (has_offset) value = wasm_f32x4_add(value, wasm_v128_load(offset + c));
      wasm_v128_store(o + c, value);
    }
    for (; c < channels; c++) o[c] = (in[c] - mean[c]) * factors[c] + (has_offset ? offset[c] : 0.0f);
  }
}

/*
 * BatchNorm in training, one call instead of moments + normalize (about ten kernels): the batch's
 * per-channel mean and biased variance of a [rows, channels] matrix, then
 * out = (x - mean) / sqrt(variance + epsilon) * scale + offset. `totals`: `channels` doubles of
 * scratch; `factors`: `channels` floats of scratch.
 */
EXPORT(batch_norm_training)
void batch_norm_training(const float *x, const float *scale, const float *offset, float *out, float *mean,
                         float *variance, int rows, int channels, float epsilon, double *totals, float *factors) {
  channel_sum(x, rows, channels, totals, mean, 1);
  channel_totals(x, mean, rows, channels, totals);
  for (int c = 0; c < channels; c++) variance[c] = (float)(totals[c] / rows);
  batch_norm(x, mean, variance, offset, scale, out, rows, channels, epsilon, factors, 1, 1);
}

/*
 * The gradient of batch_norm_training through the batch statistics, in two passes. With
 * r = 1 / sqrt(variance + epsilon), S1 = sum(dy), S2 = sum(dy * (x - mean)) per channel, M = rows:
 *   doffset = S1,  dscale = r * S2,
 *   dx = scale * r * dy - scale * r * S1 / M - (x - mean) * scale * r^3 * S2 / M.
 * `totals`: 2 * `channels` doubles of scratch; `factors`: 3 * `channels` floats of scratch.
 */
EXPORT(batch_norm_training_grad)
void batch_norm_training_grad(const float *dy, const float *x, const float *mean, const float *variance,
                              const float *scale, float *dx, float *dscale, float *doffset, int rows, int channels,
                              float epsilon, double *totals, float *factors) {
  const int vector_end = channels & ~3;
  double *sum_dy = totals, *sum_dy_centered = totals + channels;
  for (int c = 0; c < 2 * channels; c++) totals[c] = 0.0;
  for (int first = 0; first < rows; first += SUM_BLOCK_ROWS) {
    const int last = first + SUM_BLOCK_ROWS < rows ? first + SUM_BLOCK_ROWS : rows;
    for (int c = 0; c < vector_end; c += 4) {
      const v128_t m = wasm_v128_load(mean + c);
      v128_t s1 = wasm_f32x4_splat(0.0f), s2 = wasm_f32x4_splat(0.0f);
      for (int row = first; row < last; row++) {
        const v128_t g = wasm_v128_load(dy + row * channels + c);
        s1 = wasm_f32x4_add(s1, g);
        s2 = wasm_f32x4_add(s2, wasm_f32x4_mul(g, wasm_f32x4_sub(wasm_v128_load(x + row * channels + c), m)));
      }
      add_to_totals(sum_dy + c, s1);
      add_to_totals(sum_dy_centered + c, s2);
    }
    for (int c = vector_end; c < channels; c++) {
      float s1 = 0.0f, s2 = 0.0f;
      for (int row = first; row < last; row++) {
        const float g = dy[row * channels + c];
        s1 += g;
        s2 += g * (x[row * channels + c] - mean[c]);
      }
      sum_dy[c] += s1;
      sum_dy_centered[c] += s2;
    }
  }
  float *a = factors, *b = factors + channels, *k = factors + 2 * channels;
  for (int c = 0; c < channels; c++) {
    const double r = 1.0 / __builtin_sqrt((double)variance[c] + epsilon);
    doffset[c] = (float)sum_dy[c];
    dscale[c] = (float)(r * sum_dy_centered[c]);
    a[c] = (float)(scale[c] * r);
    b[c] = (float)(-scale[c] * r * sum_dy[c] / rows);
    k[c] = (float)(-scale[c] * r * r * r * sum_dy_centered[c] / rows);
  }
  for (int row = 0; row < rows; row++) {
    const float *g = dy + row * channels, *in = x + row * channels;
    float *o = dx + row * channels;
    int c = 0;
    for (; c < vector_end; c += 4) {
      const v128_t centered = wasm_f32x4_sub(wasm_v128_load(in + c), wasm_v128_load(mean + c));
      v128_t value = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(g + c), wasm_v128_load(a + c)), wasm_v128_load(b + c));
      wasm_v128_store(o + c, wasm_f32x4_add(value, wasm_f32x4_mul(centered, wasm_v128_load(k + c))));
    }
    for (; c < channels; c++) o[c] = g[c] * a[c] + b[c] + (in[c] - mean[c]) * k[c];
  }
}

/*
 * out[c, r] = in[r, c] for a [rows, cols] matrix: 4x4 blocks moved with shuffles, inside 64x64 tiles
 * so both sides stay in cache. (wasm's Transpose moves one element at a time with index arithmetic;
 * the transposed operands of weight gradients made it a third of a pointwise conv's filter gradient.)
 */
#define TRANSPOSE_TILE 64

EXPORT(transpose_2d)
void transpose_2d(const float *in, float *out, int rows, int cols) {
  for (int r0 = 0; r0 < rows; r0 += TRANSPOSE_TILE) {
    const int r1 = r0 + TRANSPOSE_TILE < rows ? r0 + TRANSPOSE_TILE : rows;
    for (int c0 = 0; c0 < cols; c0 += TRANSPOSE_TILE) {
      const int c1 = c0 + TRANSPOSE_TILE < cols ? c0 + TRANSPOSE_TILE : cols;
      int r = r0;
      for (; r + 4 <= r1; r += 4) {
        int c = c0;
        for (; c + 4 <= c1; c += 4) {
          const v128_t a = wasm_v128_load(in + r * cols + c), b = wasm_v128_load(in + (r + 1) * cols + c);
          const v128_t e = wasm_v128_load(in + (r + 2) * cols + c), f = wasm_v128_load(in + (r + 3) * cols + c);
          const v128_t ab_low = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), ab_high = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
          const v128_t ef_low = wasm_i32x4_shuffle(e, f, 0, 4, 1, 5), ef_high = wasm_i32x4_shuffle(e, f, 2, 6, 3, 7);
          wasm_v128_store(out + c * rows + r, wasm_i32x4_shuffle(ab_low, ef_low, 0, 1, 4, 5));
          wasm_v128_store(out + (c + 1) * rows + r, wasm_i32x4_shuffle(ab_low, ef_low, 2, 3, 6, 7));
          wasm_v128_store(out + (c + 2) * rows + r, wasm_i32x4_shuffle(ab_high, ef_high, 0, 1, 4, 5));
          wasm_v128_store(out + (c + 3) * rows + r, wasm_i32x4_shuffle(ab_high, ef_high, 2, 3, 6, 7));
        }
        for (; c < c1; c++) {
          for (int k = 0; k < 4; k++) out[c * rows + r + k] = in[(r + k) * cols + c];
        }
      }
      for (; r < r1; r++) {
        for (int c = c0; c < c1; c++) out[c * rows + r] = in[r * cols + c];
      }
    }
  }
}

/*
 * out[c, r, :] = in[r, c, :] for a [rows, cols, inner] tensor (inner > 1): each run of `inner` values
 * moves as one copy, in tiles of rows so the reads stay in cache.
 */
EXPORT(transpose_blocks)
void transpose_blocks(const float *in, float *out, int rows, int cols, int inner) {
  for (int r0 = 0; r0 < rows; r0 += TRANSPOSE_TILE) {
    const int r1 = r0 + TRANSPOSE_TILE < rows ? r0 + TRANSPOSE_TILE : rows;
    for (int c = 0; c < cols; c++) {
      for (int r = r0; r < r1; r++) __builtin_memcpy(out + (c * rows + r) * inner, in + (r * cols + c) * inner, inner * sizeof(float));
    }
  }
}
