/**
 * The kernels moved to WebAssembly SIMD (simd-kernels.wasm, issue #16), each timed against the code it replaced,
 * interleaved call by call, on the exact calls one training step of each reference net makes (recorded from a real
 * step, then replayed on random data of the same shapes).
 *   node --import tsx bench/engine/simd-kernels.ts [repeats=10]
 */
import { cpus, loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { createAdam, initWasmBackend } from '@offgrid/engine';
import { depthwiseBackpropFilter, depthwiseBackpropInput } from '../../packages/engine/src/backend/depthwise-backprop.ts';
import { originalWasmKernel } from '../../packages/engine/src/backend/wrap-wasm-kernel.ts';
import { NETS, buildBenchNet } from './nets.ts';
import { BEFORE } from './simd-kernels-before.ts';

const KERNELS = ['MaxPoolGrad', 'Sum', 'Mean', 'OffgridClipByValueGrad', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'FusedBatchNorm'];
interface Call { kernel: string; inputs: Record<string, number[]>; attrs: tf.NamedAttrMap }

const repeats = Number(process.argv[2] ?? 10);
await initWasmBackend();
const backend = tf.backend() as BackendWasm;

/** Records the calls to KERNELS made by one training step (channel reductions only for Sum/Mean: the others did not change). */
function recordStep(trainStep: () => void): Call[] {
  const calls: Call[] = [];
  const originals = KERNELS.map((name) => tf.getKernel(name, 'wasm')!);
  for (const config of originals) {
    tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        const inputs = Object.fromEntries(Object.entries(args.inputs).filter(([, info]) => info).map(([key, info]) => [key, info!.shape]));
        if (!['Sum', 'Mean'].includes(config.kernelName) || BEFORE.isChannelReduction(inputs.x, (args.attrs as { axis: number | number[] }).axis)) {
          calls.push({ kernel: config.kernelName, inputs, attrs: args.attrs ?? {} });
        }
        return config.kernelFunc(args);
      },
    });
  }
  trainStep();
  for (const config of originals) {
    tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
  return calls;
}

function before(call: Call, inputs: Record<string, tf.Tensor>): tf.TensorInfo {
  const attrs = call.attrs as never;
  switch (call.kernel) {
    case 'MaxPoolGrad': return BEFORE.maxPoolGrad(backend, inputs.dy, inputs.input, attrs);
    case 'Sum': case 'Mean': return BEFORE.channelReduction(backend, inputs.x, call.kernel === 'Mean', (call.attrs as { keepDims: boolean }).keepDims);
    case 'OffgridClipByValueGrad': return BEFORE.clipByValueGrad(backend, inputs.dy, inputs.x, attrs);
    case 'FusedBatchNorm': return originalWasmKernel('FusedBatchNorm')!({ inputs, attrs: call.attrs, backend }) as tf.TensorInfo;
    case 'DepthwiseConv2dNativeBackpropFilter': return depthwiseBackpropFilter(inputs.x as tf.Tensor4D, inputs.dy as tf.Tensor4D, attrs);
    default: return depthwiseBackpropInput(inputs.dy as tf.Tensor4D, inputs.filter as tf.Tensor4D, attrs);
  }
}

function time(run: () => tf.TensorInfo): number {
  const start = performance.now();
  const out = run();
  const ms = performance.now() - start;
  tf.dispose(out instanceof tf.Tensor ? out : tf.engine().makeTensorFromTensorInfo(out));
  return ms;
}

console.log(`${cpus()[0]?.model}, ${cpus().length} cores, load ${loadavg()[0].toFixed(1)} before; ${repeats} interleaved repeats of every call, medians summed per step`);
for (const net of NETS) {
  const { trainStep } = buildBenchNet(net.job);
  trainStep(); // warm-up: XNNPACK operators
  const calls = recordStep(trainStep);
  const perKernel = new Map<string, { calls: number; before: number; after: number }>();
  for (const call of calls) {
    const inputs = Object.fromEntries(Object.entries(call.inputs).map(([key, shape], i) => [key, tf.randomUniform(shape, key === 'variance' ? 0.1 : -1, 1, 'float32', i + 1)]));
    const times = { before: [] as number[], after: [] as number[] };
    for (let r = 0; r < repeats; r++) {
      times.before.push(time(() => before(call, inputs)));
      times.after.push(time(() => tf.engine().runKernel(call.kernel, inputs, call.attrs) as tf.Tensor));
    }
    tf.dispose(Object.values(inputs));
    const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const row = perKernel.get(call.kernel) ?? { calls: 0, before: 0, after: 0 };
    perKernel.set(call.kernel, { calls: row.calls + 1, before: row.before + median(times.before), after: row.after + median(times.after) });
  }
  console.log(`\n${net.label} (batch ${net.job.batchSize}), one training step:\n\n| kernel | calls | before, ms | after, ms | speed-up |\n|---|---|---|---|---|`);
  for (const [kernel, row] of perKernel) {
    console.log(`| ${kernel} | ${row.calls} | ${row.before.toFixed(1)} | ${row.after.toFixed(1)} | ${(row.before / row.after).toFixed(1)}× |`);
  }
  const adam = timeAdam(buildBenchNet(net.job).model.trainableWeights.map((w) => w.read() as tf.Variable));
  console.log(`| Adam step, every variable: tfjs' ops vs OffgridAdamUpdate | ${adam.variables} | ${adam.before.toFixed(1)} | ${adam.after.toFixed(1)} | ${(adam.before / adam.after).toFixed(1)}× |`);
}

/** One optimizer step over all of a net's variables: tfjs' Adam against the engine's, interleaved (medians). */
function timeAdam(variables: tf.Variable[]): { variables: number; before: number; after: number } {
  const gradients = variables.map((v) => ({ name: v.name, tensor: tf.randomNormal(v.shape, 0, 0.01) }));
  const optimizers = { before: tf.train.adam(1e-3), after: createAdam(1e-3) };
  const times = { before: [] as number[], after: [] as number[] };
  for (let r = 0; r < repeats + 1; r++) {
    for (const which of ['before', 'after'] as const) {
      const start = performance.now();
      optimizers[which].applyGradients(gradients);
      variables[0].dataSync(); // wait for the step (wasm runs synchronously; this keeps it honest)
      if (r > 0) times[which].push(performance.now() - start); // the first step creates the moments
    }
  }
  tf.dispose(gradients.map((g) => g.tensor));
  const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { variables: variables.length, before: median(times.before), after: median(times.after) };
}
