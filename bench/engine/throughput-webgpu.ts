// The throughput benchmark's nets on the WebGPU backend, in a process of its own (Dawn is safest ended with its
// process, not a worker thread). Prints one JSON line: the adapter and images/s per net, or why it could not run.
// Run by throughput.ts; alone: node --import tsx bench/engine/throughput-webgpu.ts [--software]
import { initWebGpuBackend } from '@offgrid/engine';
import { measureNet, NETS } from './nets.ts';

/** Software adapters (lavapipe) run on the CPU at a few % of wasm: timed only when asked, with fewer steps. */
const allowSoftware = process.argv.includes('--software');

async function main(): Promise<unknown> {
  const adapter = await initWebGpuBackend().catch((error: Error) => ({ error: error.message }));
  if ('error' in adapter) return { adapter: null, reason: adapter.error };
  if (adapter.software && !allowSoftware) return { adapter: adapter.description, software: true, reason: 'a software adapter (runs on the CPU): pass --webgpu-software to time it' };
  const nets: Record<string, { train: number; infer: number }> = {};
  for (const { name, job } of NETS) {
    nets[name] = await measureNet(job, adapter.software ? { trainSteps: 2, inferSteps: 4 } : { trainSteps: job.trainSteps * 3, inferSteps: job.inferSteps * 3 });
  }
  return { adapter: adapter.description, software: adapter.software, nets };
}

process.stdout.write(`${JSON.stringify(await main())}\n`);
process.exit(0);
