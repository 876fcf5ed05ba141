/**
 * One rung end to end, in a fresh worker thread vs a warm pooled one (issue #19): what a small table's rung costs the
 * search besides its training. Alternates the two so both see the same load.
 *   node --import tsx bench/automl/trial-workers.ts [--rounds 4]
 * The request: an MLP on 90 rows of 6 features, 5-fold cross-validated, 3 epochs (a tiny table's first rung).
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createRandom, trainInWorker, TrialPool, type TrialRequest } from '@offgrid/engine';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '4' } } });
const random = createRandom(3);
const x = new Float32Array(90 * 6);
const targets = Array.from({ length: 90 }, (_, i) => i % 3);
targets.forEach((t, i) => { for (let f = 0; f < 6; f++) x[i * 6 + f] = (f % 3 === t ? 1.5 : 0) + (random.next() - 0.5); });
const request: TrialRequest = { family: 'mlp', data: { x, shape: [6], targets }, labels: ['a', 'b', 'c'], budgetSeconds: 120, epochs: 3, seed: 4, folds: 5 };

const pool = new TrialPool({ maxIdle: 1 });
await pool.train(request); // the pool's one start-up, not measured
const timed = async (train: () => Promise<unknown>) => { const t = performance.now(); await train(); return performance.now() - t; };
const fresh: number[] = [];
const warm: number[] = [];
const load = [loadavg()[0]];
for (let round = 0; round < Number(values.rounds); round++) {
  const pair = [() => timed(() => trainInWorker(request)).then((ms) => fresh.push(ms)), () => timed(() => pool.train(request)).then((ms) => warm.push(ms))];
  for (const run of round % 2 ? pair.reverse() : pair) await run();
  load.push(loadavg()[0]);
}
await pool.close();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const list = (xs: number[]) => xs.map((ms) => (ms / 1000).toFixed(1)).join(', ');
console.log(`${cpus()[0]?.model}, ${cpus().length} cores, Node ${process.version}, load average ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)}`);
console.log(`fresh worker per rung: ${list(fresh)} s (median ${(median(fresh) / 1000).toFixed(1)})`);
console.log(`warm pooled worker:    ${list(warm)} s (median ${(median(warm) / 1000).toFixed(1)})`);
