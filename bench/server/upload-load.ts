/**
 * Load bench for the LAN server: N devices (each with its own paired key) upload 224x224 JPEGs as fast as
 * the server answers, while metadata readers poll GET /projects and a real training job (the search pipeline,
 * trials in a worker thread) runs for the whole window. The server runs in its own process
 * (packages/server/src/main.ts) on loopback; this process only generates load. Afterwards every acknowledged
 * upload is checked: count, sha256 from the API, and the blob re-hashed on disk.
 *
 * The server is started with bench/server/server-probe.mjs preloaded (no server change): it reports the server's
 * event-loop delay, GC pauses, CPU and the server-side time per route over exactly the load window.
 *
 *   node --import tsx bench/server/upload-load.ts [--devices 20] [--images 50] [--readers 2] [--train-budget 600] [--no-train]
 *
 * Prints the whole measurement as JSON (server-side figures under "server"), then one markdown row: date, load
 * average, uploads/s, upload p50/p99/max, GET /projects/s and p50/p99/max, its server-side p99, the server's
 * event-loop delay p99/max, the bench's own loop delay p99, errors, acknowledged → stored, lost, bad blobs, training.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { api, blobPathOf, jsonOf, killSpawned, listSamples, pairDevice, postJson, sha256, spawnServer, stopServer, waitFor } from '../../packages/server/src/server-process.ts';
import { photo, summary } from './photo.ts';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '20' }, images: { type: 'string', default: '50' }, readers: { type: 'string', default: '2' },
    'train-budget': { type: 'string', default: '600' }, 'no-train': { type: 'boolean', default: false },
  },
});
const DEVICES = Number(values.devices);
const IMAGES_PER_DEVICE = Number(values.images);
const READERS = Number(values.readers);
const READER_RATE = 50;
/** Far longer than the load window: the job must still be training when the last upload ends (it is cancelled then). */
const TRAIN_BUDGET_SECONDS = Number(values['train-budget']);
const PROBE = fileURLToPath(new URL('./server-probe.mjs', import.meta.url));

interface JobState { status: string; progress: { phase: string; trialsFinished: number; epoch: number; epochs: number; leaderboard: { status: string }[] } }
/** Training for real: a trial in progress that has reported an epoch (not still decoding the snapshot, not failing trials, not finished). */
const isTraining = (job: JobState) => job.status === 'running' && job.progress.epoch >= 1 && ((job.progress.phase === 'searching' && job.progress.leaderboard.some((row) => row.status === 'running')) || job.progress.phase === 'retraining');

const dataDir = mkdtempSync(join(tmpdir(), 'offgrid-bench-'));
const probeFile = join(dataDir, 'probe.json');
const server = await spawnServer(dataDir, { nodeArgs: ['--import', PROBE], env: { OFFGRID_PROBE_FILE: probeFile } });
const adminKey = server.adminKey!;

/** The server's stats since the previous call (server-probe.mjs answers SIGUSR2 by writing them). */
async function probeServer(): Promise<Record<string, unknown>> {
  rmSync(probeFile, { force: true });
  server.process.kill('SIGUSR2');
  await waitFor('the server probe to answer SIGUSR2', async () => (existsSync(probeFile) ? true : undefined), { timeoutMs: 10_000, intervalMs: 10 });
  return JSON.parse(readFileSync(probeFile, 'utf8')) as Record<string, unknown>;
}

try {
  // Set-up: one project for the load, one small one whose training runs during the load, one key per device.
  const project = await postJson<{ id: string }>(server, adminKey, '/projects', { name: 'load', labels: ['a', 'b', 'c', 'd'] });
  const trainProject = await postJson<{ id: string }>(server, adminKey, '/projects', { name: 'train-during-load', labels: ['a', 'b'] });
  for (let i = 0; i < 20; i++) {
    await jsonOf(await api(server, adminKey, `/projects/${trainProject.id}/samples?label=${i % 2 ? 'a' : 'b'}`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: await photo(100_000 + i, 32) }));
  }
  const keys: string[] = [];
  for (let d = 0; d < DEVICES; d++) keys.push(await pairDevice(server, adminKey, `phone-${d}`, [project.id]));
  // Readers are clients too, each with its own key: one key polling flat out would only measure the per-key rate limit.
  const readerKeys: string[] = [];
  for (let r = 0; r < READERS; r++) readerKeys.push(await pairDevice(server, adminKey, `reader-${r}`, [project.id, trainProject.id]));
  process.stderr.write(`generating ${DEVICES * IMAGES_PER_DEVICE} JPEGs (224x224)…\n`);
  const images = await Promise.all(Array.from({ length: DEVICES * IMAGES_PER_DEVICE }, (_, i) => photo(i)));
  const meanKiB = images.reduce((sum, image) => sum + image.length, 0) / images.length / 1024;

  const pollJob = async (id: string) => jsonOf<JobState>(await api(server, adminKey, `/jobs/${id}`));
  let job: { id: string } | undefined;
  if (!values['no-train']) {
    job = await postJson<{ id: string }>(server, adminKey, `/projects/${trainProject.id}/train`, { budgetSeconds: TRAIN_BUDGET_SECONDS });
    process.stderr.write('waiting for the job to train (a trial in progress)…\n');
    const jobId = job.id;
    await waitFor(`job ${jobId} to have a trial in progress`, async () => {
      const state = await pollJob(jobId);
      if (!['queued', 'running'].includes(state.status)) throw new Error(`the training job ended (${state.status}) before the load started: ${JSON.stringify(state.progress)}`);
      return isTraining(state) ? state : undefined;
    }, { timeoutMs: 120_000 });
  }

  const uploadLatencies: number[] = [];
  const metadataLatencies: number[] = [];
  const errors: Record<string, number> = {};
  const count = (what: string) => (errors[what] = (errors[what] ?? 0) + 1);
  const acknowledged = new Map<string, string>(); // sample id → sha256 sent
  let uploading = true;
  // The load generator shares the 2 cores: its own event-loop delay inflates every latency it measures.
  const clientLoop = monitorEventLoopDelay({ resolution: 5 });
  const loadBefore = loadavg();
  await probeServer(); // starts the server's window here
  clientLoop.enable();
  const started = performance.now();
  const devices = keys.map(async (key, d) => {
    for (let i = 0; i < IMAGES_PER_DEVICE; i++) {
      const bytes = images[d * IMAGES_PER_DEVICE + i];
      const t0 = performance.now();
      try {
        const response = await api(server, key, `/projects/${project.id}/samples?label=${'abcd'[i % 4]}`, {
          method: 'POST', headers: { 'content-type': 'image/jpeg', 'x-checksum-sha256': sha256(bytes), 'idempotency-key': `${d}-${i}` }, body: bytes,
        });
        const body = (await response.json()) as { sample?: { id: string; sha256: string } };
        uploadLatencies.push(performance.now() - t0);
        if (response.status === 201 && body.sample) acknowledged.set(body.sample.id, body.sample.sha256);
        else count(`upload ${response.status}`);
      } catch (error) {
        count((error as Error).message);
      }
    }
  });
  const readers = readerKeys.map(async (key) => {
    while (uploading) {
      const t0 = performance.now();
      const response = await api(server, key, '/projects');
      await response.arrayBuffer();
      metadataLatencies.push(performance.now() - t0);
      if (!response.ok) count(`GET /projects ${response.status}`);
      // At most READER_RATE requests/s per reader (an app polls about once a second), under the default per-key limit.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 / READER_RATE - (performance.now() - t0))));
    }
  });
  await Promise.all(devices);
  uploading = false;
  await Promise.all(readers);
  const seconds = (performance.now() - started) / 1000;
  clientLoop.disable();
  const serverStats = await probeServer();
  const loadAfter = loadavg();
  let training = 'no job (--no-train)';
  if (job) {
    const after = await pollJob(job.id);
    training = `${isTraining(after) ? 'training' : after.status} when the uploads ended (${after.progress.phase}, ${after.progress.trialsFinished} trials finished)`;
    if (after.status !== 'running') count(`training job ${after.status} before the load ended`);
    // The job only exists to keep the trainer busy during the load.
    await api(server, adminKey, `/jobs/${job.id}/cancel`, { method: 'POST' });
  }

  // Verification: nothing acknowledged is missing, every digest matches, every blob re-hashes to its name.
  const listed = await listSamples(server, adminKey, project.id);
  const stored = new Map(listed.map((s) => [s.id, s.sha256]));
  const lost = [...acknowledged].filter(([id, digest]) => stored.get(id) !== digest).length;
  const sentDigests = new Set(images.map(sha256));
  const badBlobs = listed.filter((s) => !sentDigests.has(s.sha256) || sha256(readFileSync(blobPathOf(dataDir, s.sha256))) !== s.sha256).length;

  const ms = (ns: number) => +(ns / 1e6).toFixed(1);
  const result = {
    date: new Date().toISOString(), node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model,
    loadAverage1m: { before: +loadBefore[0].toFixed(2), after: +loadAfter[0].toFixed(2) },
    devices: DEVICES, imagesPerDevice: IMAGES_PER_DEVICE, metadataReaders: READERS, meanImageKiB: +meanKiB.toFixed(1), seconds: +seconds.toFixed(2),
    uploads: summary(uploadLatencies, seconds), metadata: summary(metadataLatencies, seconds), errors,
    acknowledged: acknowledged.size, stored: listed.length, lost, badBlobs, training,
    clientEventLoopDelay: { p50Ms: ms(clientLoop.percentile(50)), p99Ms: ms(clientLoop.percentile(99)), maxMs: ms(clientLoop.max) },
    server: serverStats,
  };
  console.log(JSON.stringify(result, null, 2));
  const s = serverStats as { eventLoopDelay: { p99Ms: number; maxMs: number }; serverMs: Record<string, { p99Ms: number }> };
  console.log(`\n| ${result.date.slice(0, 16)} | ${result.loadAverage1m.before} → ${result.loadAverage1m.after} | ${result.uploads.perSecond} | ${result.uploads.p50Ms} / ${result.uploads.p99Ms} / ${result.uploads.maxMs} | ${result.metadata.perSecond} | ${result.metadata.p50Ms} / ${result.metadata.p99Ms} / ${result.metadata.maxMs} | ${s.serverMs['GET /api/v1/projects']?.p99Ms} | ${s.eventLoopDelay.p99Ms} / ${s.eventLoopDelay.maxMs} | ${result.clientEventLoopDelay.p99Ms} | ${Object.values(errors).reduce((a, b) => a + b, 0)} | ${result.acknowledged} → ${result.stored}, ${lost}, ${badBlobs} | ${training} |`);
  if (lost || badBlobs || listed.length !== DEVICES * IMAGES_PER_DEVICE || Object.keys(errors).length) process.exitCode = 1;
} finally {
  await stopServer(server);
  killSpawned();
  rmSync(dataDir, { recursive: true, force: true });
}
