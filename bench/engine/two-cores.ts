/**
 * One training run on one core against the same run data-parallel on two (`TrialRequest.cores: 2`: each worker
 * computes half of every batch; gradients averaged through shared memory), alternating, for the two reference
 * nets of NETS. Throughput counts training epochs only (worker start-up and export excluded).
 *   node --import tsx bench/engine/two-cores.ts [samples=6400] [rounds=2]
 */
import { cpus, loadavg } from 'node:os';
import { trainInWorker } from '@offgrid/engine';
import { NETS } from './nets.ts';

const samples = Number(process.argv[2] ?? 6400);
const rounds = Number(process.argv[3] ?? 2);
console.log(`${cpus()[0]?.model}, ${cpus().length} cores, load ${loadavg()[0].toFixed(1)}; ${samples} random samples, 2 epochs, batch 64, no validation`);
console.log('| net | 1 core, images/s | 2 cores, images/s | speed-up |');
console.log('|---|---|---|---|');
for (const { name, job } of NETS) {
  const size = job.shape.reduce((a, b) => a * b, 1);
  const x = Float32Array.from({ length: samples * size }, (_, i) => Math.sin(i * 12.9898) % 1);
  const targets = Array.from({ length: samples }, (_, i) => i % 10);
  const speeds: Record<number, number[]> = { 1: [], 2: [] };
  for (let round = 0; round < rounds; round++) {
    for (const cores of [1, 2] as const) {
      const result = await trainInWorker({
        family: job.family, config: job.config, trainer: { batchSize: job.batchSize, validationSplit: 0 }, data: { x, shape: job.shape, targets },
        labels: Array.from({ length: 10 }, (_, i) => `c${i}`), budgetSeconds: 600, epochs: 2, seed: 1, cores,
      });
      const seconds = result.history.reduce((sum, epoch) => sum + epoch.seconds, 0);
      speeds[cores].push((samples * 2) / seconds);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  console.log(`| ${name} | ${median(speeds[1]).toFixed(0)} | ${median(speeds[2]).toFixed(0)} | ${(median(speeds[2]) / median(speeds[1])).toFixed(2)}x |`);
}
