// Per-kernel profile of one training step (batch 64) of the two reference nets on the wasm backend.
// Every wasm kernel is wrapped with a timer; a kernel that runs other kernels (our training
// kernels are built from ops) is charged inclusively and its inner kernels are not counted again.
// Run: node --import tsx bench/engine/profile.ts [steps=5] [net=cnn|mobilenet|all]
import * as tf from '@tensorflow/tfjs';
import { initWasmBackend } from '@offgrid/engine';
import { NETS, buildBenchNet } from './nets.ts';

interface KernelTotal { ms: number; count: number }

const totals = new Map<string, KernelTotal>();
let depth = 0;

/** Re-registers every wasm kernel with a timing wrapper (wasm runs synchronously on this thread). */
function instrumentWasmKernels(): void {
  for (const config of tf.getKernelsForBackend('wasm')) {
    const inner = config.kernelFunc;
    const timed: tf.KernelConfig = {
      ...config,
      kernelFunc: (args) => {
        depth++;
        const start = performance.now();
        try {
          return inner(args);
        } finally {
          depth--;
          if (depth === 0) {
            const total = totals.get(config.kernelName) ?? { ms: 0, count: 0 };
            total.ms += performance.now() - start;
            total.count++;
            totals.set(config.kernelName, total);
          }
        }
      },
    };
    tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(timed);
  }
}

const steps = Number(process.argv[2] ?? 5);
const only = process.argv[3] ?? 'all';
await initWasmBackend();
const nets = NETS.filter(({ name }) => only === 'all' || only === name).map((net) => ({ ...net, ...buildBenchNet(net.job) }));

/** Mean ms per training step over `steps` steps, after two warm-up steps (XNNPACK operator creation). */
function timeSteps(trainStep: () => void): number {
  for (let i = 0; i < 2; i++) trainStep();
  const start = performance.now();
  for (let i = 0; i < steps; i++) trainStep();
  return (performance.now() - start) / steps;
}

// Plain step times first, to compare with the instrumented ones (on the shared 2-core machine they
// differed by up to ±20% in either direction: noise, not timer cost).
const plainMs = new Map(nets.map(({ name, trainStep }) => [name, timeSteps(trainStep)]));
instrumentWasmKernels();

for (const { name, job, trainStep } of nets) {
  trainStep(); // one instrumented warm-up
  totals.clear();
  const start = performance.now();
  for (let i = 0; i < steps; i++) trainStep();
  const profiledMs = (performance.now() - start) / steps;
  const rows = [...totals].sort((a, b) => b[1].ms - a[1].ms);
  const kernelMs = rows.reduce((sum, [, t]) => sum + t.ms, 0) / steps;
  const plain = plainMs.get(name)!;
  console.log(`\n${name} (batch ${job.batchSize}): plain ${plain.toFixed(1)} ms/step = ${(job.batchSize / plain * 1000).toFixed(0)} images/s; profiled ${profiledMs.toFixed(1)} ms/step (mean of ${steps} steps each)`);
  console.log('\n| kernel | ms/step | share | calls/step |\n|---|---|---|---|');
  for (const [kernel, t] of rows) {
    if (t.ms / steps < 0.05) continue;
    console.log(`| ${kernel} | ${(t.ms / steps).toFixed(1)} | ${(t.ms / steps / profiledMs * 100).toFixed(1)}% | ${t.count / steps} |`);
  }
  const smallMs = rows.filter(([, t]) => t.ms / steps < 0.05).reduce((sum, [, t]) => sum + t.ms, 0) / steps;
  console.log(`| (kernels under 0.05 ms) | ${smallMs.toFixed(1)} | ${(smallMs / profiledMs * 100).toFixed(1)}% | |`);
  console.log(`| (outside kernels: autodiff tape, layers, JS) | ${(profiledMs - kernelMs).toFixed(1)} | ${((profiledMs - kernelMs) / profiledMs * 100).toFixed(1)}% | |`);
}
