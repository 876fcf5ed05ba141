/**
 * Lowering of each supported Keras layer class into IR nodes: one entry per class. Weights are
 * moved into TFLite layouts here, so later passes and the emitter never see Keras layouts.
 */
import type { Activation } from '@offgrid/tflite';
import type { IrNode, Key } from './ir.ts';

/** What a layer converter sees of one call of a layer. */
export interface LayerContext {
  readonly name: string;
  readonly className: string;
  readonly config: Record<string, unknown>;
  readonly inputs: Key[];
  readonly inputShapes: number[][];
  readonly output: Key;
  readonly outputShape: number[];
  /** The weight whose name ends with `/<suffix>`, e.g. "kernel", "moving_mean". */
  weight(suffix: string): { values: Float32Array; shape: number[] } | undefined;
  /** Adds a node (layer and class filled in). */
  emit(node: DistributiveOmit<IrNode, 'layer' | 'className'>): void;
  /** A fresh value for an intermediate result of this layer. */
  temp(suffix: string, shape: number[]): Key;
  /** The layer computes nothing at inference: its output is its input. */
  passThrough(): void;
  /** The layer reads its input as int32 ids: it must be a model input, which becomes int32. */
  idsInput(): void;
  fail(reason: string): never;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type LayerConverter = (ctx: LayerContext) => void;

const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [v[0], v[1] ?? v[0]] : [v as number, v as number]);

function requireWeight(ctx: LayerContext, suffix: string): { values: Float32Array; shape: number[] } {
  return ctx.weight(suffix) ?? ctx.fail(`weight "${suffix}" not found (is the layer built?)`);
}

function biasOrZeros(ctx: LayerContext, channels: number): Float32Array {
  if (ctx.config.useBias === false) return new Float32Array(channels);
  return requireWeight(ctx, 'bias').values;
}

/** Keras [kh, kw, in, out] → TFLite [out, kh, kw, in]. */
function ohwi(kernel: Float32Array, [kh, kw, cin, cout]: number[]): Float32Array {
  const out = new Float32Array(kernel.length);
  for (let o = 0; o < cout; o++)
    for (let s = 0; s < kh * kw; s++)
      for (let i = 0; i < cin; i++) out[(o * kh * kw + s) * cin + i] = kernel[(s * cin + i) * cout + o];
  return out;
}

function checkChannelsLast(ctx: LayerContext): void {
  const format = ctx.config.dataFormat;
  if (format !== undefined && format !== 'channelsLast') ctx.fail(`dataFormat "${String(format)}" (only channelsLast)`);
}

function windowPadding(ctx: LayerContext): 'same' | 'valid' {
  const padding = ctx.config.padding;
  if (padding === 'same' || padding === 'valid') return padding;
  return ctx.fail(`padding "${String(padding)}" (only same and valid)`);
}

const SEPARATE_ACTIVATIONS = { softmax: 'SOFTMAX', sigmoid: 'LOGISTIC', tanh: 'TANH' } as const;
const FUSED_ACTIVATIONS: Record<string, Activation> = { linear: 'none', relu: 'relu', relu6: 'relu6' };

/**
 * Runs `build(target, fused)` for the layer's main computation and appends its activation:
 * relu/relu6 fused into the op, softmax/sigmoid/tanh as a separate op after it.
 */
function withActivation(ctx: LayerContext, build: (target: Key, fused: Activation) => void): void {
  const name = String(ctx.config.activation ?? 'linear');
  if (name in FUSED_ACTIVATIONS) return build(ctx.output, FUSED_ACTIVATIONS[name]);
  if (name in SEPARATE_ACTIVATIONS) {
    const pre = ctx.temp('pre_activation', ctx.outputShape);
    build(pre, 'none');
    ctx.emit({ kind: 'unary', op: SEPARATE_ACTIVATIONS[name as keyof typeof SEPARATE_ACTIVATIONS], inputs: [pre], output: ctx.output });
    return;
  }
  ctx.fail(`activation "${name}" (supported: ${[...Object.keys(FUSED_ACTIVATIONS), ...Object.keys(SEPARATE_ACTIVATIONS)].join(', ')})`);
}

function convWindow(ctx: LayerContext) {
  checkChannelsLast(ctx);
  const [strideH, strideW] = pair(ctx.config.strides ?? 1);
  const [dilationH, dilationW] = pair(ctx.config.dilationRate ?? 1);
  if ((strideH > 1 || strideW > 1) && (dilationH > 1 || dilationW > 1)) ctx.fail('strides and dilation both above 1');
  return { padding: windowPadding(ctx), strideH, strideW, dilationH, dilationW };
}

const conv2d: LayerConverter = (ctx) => {
  const window = convWindow(ctx);
  const kernel = requireWeight(ctx, 'kernel');
  const [kh, kw, cin, cout] = kernel.shape;
  withActivation(ctx, (target, activation) =>
    ctx.emit({
      kind: 'conv', inputs: ctx.inputs, output: target, weights: ohwi(kernel.values, kernel.shape),
      weightShape: [cout, kh, kw, cin], bias: biasOrZeros(ctx, cout), activation, window,
    }),
  );
};

const depthwiseConv2d: LayerConverter = (ctx) => {
  const window = convWindow(ctx);
  const kernel = requireWeight(ctx, 'depthwise_kernel');
  const [kh, kw, cin, multiplier] = kernel.shape;
  // Keras [kh, kw, in, m] and TFLite [1, kh, kw, in*m] share one memory order (channel c*m + k).
  withActivation(ctx, (target, activation) =>
    ctx.emit({
      kind: 'depthwise', inputs: ctx.inputs, output: target, weights: kernel.values.slice(),
      weightShape: [1, kh, kw, cin * multiplier], bias: biasOrZeros(ctx, cin * multiplier), activation,
      window: { ...window, depthMultiplier: multiplier },
    }),
  );
};

const separableConv2d: LayerConverter = (ctx) => {
  const window = convWindow(ctx);
  const depthwise = requireWeight(ctx, 'depthwise_kernel');
  const pointwise = requireWeight(ctx, 'pointwise_kernel');
  const [kh, kw, cin, multiplier] = depthwise.shape;
  const channels = cin * multiplier;
  const cout = pointwise.shape[3];
  const [n, h, w] = ctx.outputShape;
  const mid = ctx.temp('depthwise', [n, h, w, channels]);
  ctx.emit({
    kind: 'depthwise', inputs: ctx.inputs, output: mid, weights: depthwise.values.slice(),
    weightShape: [1, kh, kw, channels], bias: new Float32Array(channels), activation: 'none',
    window: { ...window, depthMultiplier: multiplier },
  });
  withActivation(ctx, (target, activation) =>
    ctx.emit({
      kind: 'conv', inputs: [mid], output: target, weights: ohwi(pointwise.values, pointwise.shape),
      weightShape: [cout, 1, 1, channels], bias: biasOrZeros(ctx, cout), activation,
      window: { padding: 'valid', strideH: 1, strideW: 1, dilationH: 1, dilationW: 1 },
    }),
  );
};

const dense: LayerConverter = (ctx) => {
  const kernel = requireWeight(ctx, 'kernel');
  const [cin, cout] = kernel.shape;
  const transposed = new Float32Array(kernel.values.length);
  for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) transposed[o * cin + i] = kernel.values[i * cout + o];
  withActivation(ctx, (target, activation) =>
    ctx.emit({
      kind: 'dense', inputs: ctx.inputs, output: target, weights: transposed, weightShape: [cout, cin],
      bias: biasOrZeros(ctx, cout), activation, keepNumDims: ctx.inputShapes[0].length > 2,
    }),
  );
};

function pooling(op: 'MAX_POOL_2D' | 'AVERAGE_POOL_2D'): LayerConverter {
  return (ctx) => {
    checkChannelsLast(ctx);
    const [filterH, filterW] = pair(ctx.config.poolSize ?? 2);
    const [strideH, strideW] = pair(ctx.config.strides ?? [filterH, filterW]);
    ctx.emit({ kind: 'pool', op, inputs: ctx.inputs, output: ctx.output, options: { padding: windowPadding(ctx), strideH, strideW, filterH, filterW } });
  };
}

function globalPooling(op: 'MEAN' | 'REDUCE_MAX'): LayerConverter {
  return (ctx) => {
    checkChannelsLast(ctx);
    if (ctx.inputShapes[0].length !== 4) ctx.fail('input must be 4-D [batch, height, width, channels]');
    ctx.emit({ kind: 'reduce', op, inputs: ctx.inputs, output: ctx.output, axes: [1, 2], keepDims: ctx.outputShape.length === 4 });
  };
}

/** NHWC row-major is also TF.js's memory order, so Flatten and Reshape are pure reshapes. */
const reshape: LayerConverter = (ctx) =>
  ctx.emit({ kind: 'reshape', inputs: ctx.inputs, output: ctx.output, shape: ctx.outputShape });

const activationLayer: LayerConverter = (ctx) => {
  const name = String(ctx.config.activation);
  if (name === 'linear') return ctx.passThrough();
  const op = ({ relu: 'RELU', relu6: 'RELU6', ...SEPARATE_ACTIVATIONS } as const)[name as 'relu'];
  if (!op) ctx.fail(`activation "${name}" (supported: linear, relu, relu6, softmax, sigmoid, tanh)`);
  ctx.emit({ kind: 'unary', op, inputs: ctx.inputs, output: ctx.output });
};

const reluLayer: LayerConverter = (ctx) => {
  const maxValue = ctx.config.maxValue;
  if (maxValue === null || maxValue === undefined) return ctx.emit({ kind: 'unary', op: 'RELU', inputs: ctx.inputs, output: ctx.output });
  if (maxValue === 6) return ctx.emit({ kind: 'unary', op: 'RELU6', inputs: ctx.inputs, output: ctx.output });
  ctx.fail(`maxValue ${String(maxValue)} (only none or 6)`);
};

const softmaxLayer: LayerConverter = (ctx) => {
  const axis = ctx.config.axis ?? -1;
  if (axis !== -1 && axis !== ctx.outputShape.length - 1) ctx.fail(`softmax over axis ${String(axis)} (only the last axis)`);
  ctx.emit({ kind: 'unary', op: 'SOFTMAX', inputs: ctx.inputs, output: ctx.output });
};

const batchNormalization: LayerConverter = (ctx) => {
  const rank = ctx.inputShapes[0].length;
  const axes = [ctx.config.axis].flat() as number[];
  if (axes.length !== 1 || (axes[0] !== -1 && axes[0] !== rank - 1)) ctx.fail(`axis ${JSON.stringify(ctx.config.axis)} (only the last axis)`);
  const channels = ctx.inputShapes[0][rank - 1];
  const epsilon = Number(ctx.config.epsilon ?? 1e-3);
  const mean = requireWeight(ctx, 'moving_mean').values;
  const variance = requireWeight(ctx, 'moving_variance').values;
  const gamma = ctx.config.scale === false ? undefined : requireWeight(ctx, 'gamma').values;
  const beta = ctx.config.center === false ? undefined : requireWeight(ctx, 'beta').values;
  const scale = new Float32Array(channels);
  const shift = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    scale[c] = (gamma ? gamma[c] : 1) / Math.sqrt(variance[c] + epsilon);
    shift[c] = (beta ? beta[c] : 0) - mean[c] * scale[c];
  }
  ctx.emit({ kind: 'affine', inputs: ctx.inputs, output: ctx.output, scale, shift });
};

const rescaling: LayerConverter = (ctx) => {
  const channels = ctx.outputShape[ctx.outputShape.length - 1];
  const scale = new Float32Array(channels).fill(Number(ctx.config.scale));
  const shift = new Float32Array(channels).fill(Number(ctx.config.offset ?? 0));
  ctx.emit({ kind: 'affine', inputs: ctx.inputs, output: ctx.output, scale, shift });
};

const add: LayerConverter = (ctx) => {
  let current = ctx.inputs[0];
  ctx.inputs.slice(1).forEach((next, i) => {
    const last = i === ctx.inputs.length - 2;
    const output = last ? ctx.output : ctx.temp(`sum${i}`, ctx.outputShape);
    ctx.emit({ kind: 'add', inputs: [current, next], output, activation: 'none' });
    current = output;
  });
};

const concatenate: LayerConverter = (ctx) => {
  const rank = ctx.outputShape.length;
  const axis = Number(ctx.config.axis ?? -1);
  ctx.emit({ kind: 'concat', inputs: ctx.inputs, output: ctx.output, axis: axis < 0 ? axis + rank : axis });
};

const zeroPadding2d: LayerConverter = (ctx) => {
  checkChannelsLast(ctx);
  const [[top, bottom], [left, right]] = (ctx.config.padding as [number, number][]).map(pair);
  ctx.emit({ kind: 'pad', inputs: ctx.inputs, output: ctx.output, paddings: [[0, 0], [top, bottom], [left, right], [0, 0]] });
};

/** Keras Embedding → GATHER on the int32 model input (TF.js trains it on float ids; the file takes int32). */
const embedding: LayerConverter = (ctx) => {
  if (ctx.config.maskZero === true) ctx.fail('maskZero: true (the mask is not exported; build the model with maskZero: false)');
  const table = requireWeight(ctx, 'embeddings');
  ctx.idsInput();
  ctx.emit({ kind: 'gather', inputs: ctx.inputs, output: ctx.output, table: table.values, tableShape: [table.shape[0], table.shape[1]] });
};

/**
 * EmbeddingBag (the weighted average of the non-<PAD> ids' embeddings) → GATHER of the table and of exp(weights),
 * <PAD>'s rows zeroed, MUL, MEAN of both (Σ w·e / seqLength, Σ w / seqLength), DIV. Both lookups come first so
 * that everything after them can stay float in the int8 file (no int8 DIV in TFLite).
 */
const embeddingBag: LayerConverter = (ctx) => {
  const table = requireWeight(ctx, 'embeddings');
  const logWeights = requireWeight(ctx, 'weights').values;
  const [rows, dim] = table.shape;
  ctx.idsInput();
  const [, steps] = ctx.inputShapes[0];
  const values = table.values.slice();
  values.fill(0, 0, dim);
  const weights = logWeights.map((a, id) => (id === 0 ? 0 : Math.exp(a)));
  const [vectors, w, weighted, sum, total] = [
    ctx.temp('vectors', [1, steps, dim]), ctx.temp('weights', [1, steps, 1]), ctx.temp('weighted', [1, steps, dim]), ctx.temp('sum', [1, dim]), ctx.temp('total', [1, 1]),
  ];
  ctx.emit({ kind: 'gather', inputs: ctx.inputs, output: vectors, table: values, tableShape: [rows, dim] });
  ctx.emit({ kind: 'gather', inputs: ctx.inputs, output: w, table: weights, tableShape: [rows, 1] });
  ctx.emit({ kind: 'mul', inputs: [vectors, w], output: weighted });
  ctx.emit({ kind: 'reduce', op: 'MEAN', inputs: [weighted], output: sum, axes: [1], keepDims: false });
  ctx.emit({ kind: 'reduce', op: 'MEAN', inputs: [w], output: total, axes: [1], keepDims: false });
  ctx.emit({ kind: 'div', inputs: [sum, total], output: ctx.output });
};

/** A scalar or one-element array option of a 1-D layer. */
const single = (v: unknown, fallback: number): number => Number((Array.isArray(v) ? v[0] : v) ?? fallback);

/**
 * Runs a 2-D op over a 1-D [1, steps, channels] value: RESHAPE to [1, 1, steps, channels], the op
 * (its output shape [1, 1, steps', channels']), RESHAPE back to the layer's [1, steps', channels'].
 */
function asRow(ctx: LayerContext, build: (row: Key, rowOut: Key, rowOutShape: number[]) => void): void {
  if (ctx.inputShapes[0].length !== 3) ctx.fail(`input must be 3-D [batch, steps, channels] (got [${ctx.inputShapes[0]}])`);
  const [, steps, channels] = ctx.inputShapes[0];
  const row = ctx.temp('as_row', [1, 1, steps, channels]);
  ctx.emit({ kind: 'reshape', inputs: ctx.inputs, output: row, shape: [1, 1, steps, channels] });
  const [, outSteps, outChannels] = ctx.outputShape;
  const rowOutShape = [1, 1, outSteps, outChannels];
  const rowOut = ctx.temp('row_out', rowOutShape);
  build(row, rowOut, rowOutShape);
  ctx.emit({ kind: 'reshape', inputs: [rowOut], output: ctx.output, shape: ctx.outputShape });
}

const conv1d: LayerConverter = (ctx) => {
  checkChannelsLast(ctx);
  const stride = single(ctx.config.strides, 1);
  const dilation = single(ctx.config.dilationRate, 1);
  if (stride > 1 && dilation > 1) ctx.fail('strides and dilation both above 1');
  const window = { padding: windowPadding(ctx), strideH: 1, strideW: stride, dilationH: 1, dilationW: dilation };
  const kernel = requireWeight(ctx, 'kernel');
  const [k, cin, cout] = kernel.shape;
  asRow(ctx, (row, rowOut, rowOutShape) => {
    // Keras Conv1D [k, in, out] is a Conv2D kernel [1, k, in, out].
    const emitConv = (target: Key, activation: Activation) => ctx.emit({
      kind: 'conv', inputs: [row], output: target, weights: ohwi(kernel.values, [1, k, cin, cout]),
      weightShape: [cout, 1, k, cin], bias: biasOrZeros(ctx, cout), activation, window,
    });
    const name = String(ctx.config.activation ?? 'linear');
    if (name in FUSED_ACTIVATIONS) return emitConv(rowOut, FUSED_ACTIVATIONS[name]);
    if (!(name in SEPARATE_ACTIVATIONS)) ctx.fail(`activation "${name}"`);
    const pre = ctx.temp('pre_activation', rowOutShape);
    emitConv(pre, 'none');
    ctx.emit({ kind: 'unary', op: SEPARATE_ACTIVATIONS[name as keyof typeof SEPARATE_ACTIVATIONS], inputs: [pre], output: rowOut });
  });
};

function pooling1d(op: 'MAX_POOL_2D' | 'AVERAGE_POOL_2D'): LayerConverter {
  return (ctx) => {
    checkChannelsLast(ctx);
    const size = single(ctx.config.poolSize, 2);
    const stride = single(ctx.config.strides, size);
    const options = { padding: windowPadding(ctx), strideH: 1, strideW: stride, filterH: 1, filterW: size };
    asRow(ctx, (row, rowOut) => ctx.emit({ kind: 'pool', op, inputs: [row], output: rowOut, options }));
  };
}

function globalPooling1d(op: 'MEAN' | 'REDUCE_MAX'): LayerConverter {
  return (ctx) => {
    checkChannelsLast(ctx);
    if (ctx.inputShapes[0].length !== 3) ctx.fail('input must be 3-D [batch, steps, channels]');
    ctx.emit({ kind: 'reduce', op, inputs: ctx.inputs, output: ctx.output, axes: [1], keepDims: false });
  };
}

const passThrough: LayerConverter = (ctx) => ctx.passThrough();

export const LAYER_CONVERTERS: Record<string, LayerConverter> = {
  Conv2D: conv2d,
  DepthwiseConv2D: depthwiseConv2d,
  SeparableConv2D: separableConv2d,
  Dense: dense,
  MaxPooling2D: pooling('MAX_POOL_2D'),
  AveragePooling2D: pooling('AVERAGE_POOL_2D'),
  GlobalAveragePooling2D: globalPooling('MEAN'),
  GlobalMaxPooling2D: globalPooling('REDUCE_MAX'),
  Embedding: embedding,
  EmbeddingBag: embeddingBag,
  Conv1D: conv1d,
  MaxPooling1D: pooling1d('MAX_POOL_2D'),
  AveragePooling1D: pooling1d('AVERAGE_POOL_2D'),
  GlobalAveragePooling1D: globalPooling1d('MEAN'),
  GlobalMaxPooling1D: globalPooling1d('REDUCE_MAX'),
  Flatten: reshape,
  Reshape: reshape,
  Activation: activationLayer,
  ReLU: reluLayer,
  Softmax: softmaxLayer,
  BatchNormalization: batchNormalization,
  Rescaling: rescaling,
  Add: add,
  Concatenate: concatenate,
  ZeroPadding2D: zeroPadding2d,
  // Inference-time identities.
  Dropout: passThrough,
  SpatialDropout1D: passThrough,
  GaussianNoise: passThrough,
  GaussianDropout: passThrough,
  AlphaDropout: passThrough,
};
