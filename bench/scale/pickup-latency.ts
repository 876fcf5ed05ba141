// Job pickup latency of the trial queue: how long an idle worker takes to start a trial after the coordinator queued
// it, through BullMQ on a real local redis-server (the same client settings as `offgrid serve --queue`).
//   node --import tsx bench/scale/pickup-latency.ts [jobs=200]
// Writes its section of bench/scale/RESULTS.md. The goal of issue #18: p99 < 100 ms.
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Queue, Worker } from 'bullmq';
import { startTestRedis } from '@offgrid/server/test-redis';
import { closeClient, redisClient, redisConnection } from '@offgrid/server/redis';
import { writeResultsSection } from '../results-section.ts';

const jobs = Number(process.argv[2] ?? 200);
const redis = await startTestRedis();
const connection = redisConnection(redis.url);
const clients = [redisClient(connection, console.error), redisClient(connection, console.error)];
const queue = new Queue('pickup-bench', { connection: clients[0] });
const latencies: number[] = [];
let picked: (() => void) | undefined;
const worker = new Worker('pickup-bench', async (job) => {
  latencies.push(Date.now() - (job.data as { queuedAt: number }).queuedAt);
  picked?.();
}, { connection: clients[1], concurrency: 1 });
worker.on('error', console.error);
await worker.waitUntilReady();
const load = loadavg()[0];
for (let i = 0; i < jobs; i++) {
  // The worker is idle (blocked on Redis) when each job arrives, as a worker between trials is.
  await new Promise((resolve) => setTimeout(resolve, 20));
  const done = new Promise<void>((resolve) => { picked = resolve; });
  await queue.add('t', { queuedAt: Date.now() }, { removeOnComplete: true });
  await done;
}
await worker.close();
await queue.close();
for (const client of clients) await closeClient(client);
await redis.close();

const sorted = [...latencies].sort((a, b) => a - b);
const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const row = `| ${new Date().toISOString().slice(0, 10)} | ${jobs} | ${at(0.5)} | ${at(0.95)} | ${at(0.99)} | ${sorted.at(-1)} | ${load.toFixed(2)} |`;
console.log(`pickup latency ms: p50 ${at(0.5)}, p95 ${at(0.95)}, p99 ${at(0.99)}, max ${sorted.at(-1)} (load ${load.toFixed(2)})`);
writeResultsSection(fileURLToPath(new URL('./RESULTS.md', import.meta.url)), 'pickup-latency', `
## Job pickup latency (\`bench/scale/pickup-latency.ts\`)
An idle BullMQ worker on the same machine as a local redis-server (loopback, password), one job at a time; from
\`queue.add\` to the processor starting. Goal (issue #18): p99 < 100 ms.

| date | jobs | p50 ms | p95 ms | p99 ms | max ms | load (1 min) |
|---|---|---|---|---|---|---|
${row}
`);
