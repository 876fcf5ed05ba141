/**
 * Fault bench for the LAN server: `kill -9` the real server process (packages/server/src/main.ts) several times
 * at different moments, restart it on the same data directory, and check what survived.
 *
 * (a) uploads: N devices (own paired keys) upload distinct 224x224 JPEGs with an Idempotency-Key each, one request
 *     in flight per device, and retry what was not acknowledged after a restart, as the app's outbox does. After
 *     each restart: every acknowledged (201) sample is listed with the sha256 the device sent, every file in the
 *     blob folder re-hashes to its name (no half-written blob is visible), and the server takes uploads again. At
 *     the end: exactly one sample per image (retries with the same key never duplicate), and re-sending
 *     acknowledged images with their keys returns the same sample.
 * (b) training: a small project's job (the real search, trials in a worker thread), killed while trials run
 *     (after >= 1 trial finished), again after more trials, and once in the winner's retraining. After each restart
 *     the same job id runs again with its finished trials; at the end it succeeds, the finished trials are in the
 *     report unchanged (started before their kill: kept, not re-run), exactly one model is registered and its
 *     files download with the sha256 the registry lists.
 *
 *   node --import tsx bench/server/faults.ts [--devices 20] [--images 40] [--kills 3] [--train-budget 60] [--only uploads|training]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeImage } from '@offgrid/engine/data';
import { DEFAULT_IMAGE_SPEC, preprocessImage } from '@offgrid/features';
import { runTflite } from '@offgrid/tflite';
import { api, jsonOf, kill9, killSpawned, listSamples, pairDevice, postJson, scanBlobs, sha256, spawnServer, stopServer, waitFor, type ServerProcess } from '../../packages/server/src/server-process.ts';
import { jpegOf } from '../../packages/server/src/test-images.ts';
import { photo } from './photo.ts';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '20' }, images: { type: 'string', default: '40' }, kills: { type: 'string', default: '3' },
    'train-budget': { type: 'string', default: '60' }, only: { type: 'string' },
  },
});
const DEVICES = Number(values.devices);
const IMAGES_PER_DEVICE = Number(values.images);
const KILLS = Number(values.kills);
const TRAIN_BUDGET_SECONDS = Number(values['train-budget']);
const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

interface Row { scenario: string; kill: string; acknowledged: string; lost: number | string; corrupt: string; duplicates: string; trials: string; job: string; restartMs: string }

/** Restarts on the same data and waits for readiness (the database and the blob folder take writes). */
async function restart(dataDir: string): Promise<{ server: ServerProcess; readyMs: number }> {
  const started = performance.now();
  const server = await spawnServer(dataDir);
  const ready = await api(server, '', '/ready');
  if (ready.status !== 200) throw new Error(`after the restart /ready answered ${ready.status}: ${await ready.text()}`);
  return { server, readyMs: performance.now() - started };
}

async function uploadFaults(): Promise<Row[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'offgrid-faults-'));
  const rows: Row[] = [];
  try {
    let server = await spawnServer(dataDir);
    const adminKey = server.adminKey!;
    const project = await postJson<{ id: string }>(server, adminKey, '/projects', { name: 'faults', labels: ['a', 'b', 'c', 'd'] });
    const keys: string[] = [];
    for (let d = 0; d < DEVICES; d++) keys.push(await pairDevice(server, adminKey, `phone-${d}`, [project.id]));
    const total = DEVICES * IMAGES_PER_DEVICE;
    log(`uploads: generating ${total} JPEGs (224x224)…`);
    const images = await Promise.all(Array.from({ length: total }, (_, i) => photo(500_000 + i)));

    const acknowledged = new Map<string, { id: string; sha256: string }>(); // idempotency key → what the 201 said
    // Per generation (0 before the first kill): retries whose first attempt had been committed without its 201 reaching the device.
    const retriedAlreadyStored = new Array<number>(KILLS + 1).fill(0);
    let killFailures = 0; // lost or corrupt at some restart
    const next = new Array<number>(DEVICES).fill(0); // each device's next image (its outbox head)
    let generation = 0; // bumped by every kill: devices wait for the restart, then retry their head
    let unexpectedFailures = 0;
    let restarted: Promise<void> = Promise.resolve();
    const device = async (d: number) => {
      while (next[d] < IMAGES_PER_DEVICE) {
        await restarted;
        const i = next[d];
        const bytes = images[d * IMAGES_PER_DEVICE + i];
        const key = `${d}-${i}`;
        const mine = generation;
        let response: Response;
        let body: { sample?: { id: string; sha256: string }; duplicate?: boolean; error?: unknown };
        try {
          response = await api(server, keys[d], `/projects/${project.id}/samples?label=${'abcd'[i % 4]}`, {
            method: 'POST', headers: { 'content-type': 'image/jpeg', 'x-checksum-sha256': sha256(bytes), 'idempotency-key': key }, body: bytes,
          });
          body = (await response.json()) as typeof body;
        } catch (error) {
          // The connection died with the server: not acknowledged, retried with the same key after the restart.
          // (A request sent just as the kill began can fail in the kill's own generation: wait for that restart.)
          if (mine === generation && ++unexpectedFailures > 100) throw new Error(`device ${d}: uploads keep failing without a kill: ${(error as Error).message}`, { cause: error });
          await new Promise((resolve) => setTimeout(resolve, 20));
          continue;
        }
        if (response.status !== 201 || !body.sample) throw new Error(`device ${d} image ${i}: ${response.status} ${JSON.stringify(body)}`);
        if (body.sample.sha256 !== sha256(bytes)) throw new Error(`device ${d} image ${i}: the server answered sha256 ${body.sample.sha256}`);
        // Every image is distinct, so only a retry can find its upload already stored.
        if (body.duplicate) retriedAlreadyStored[mine]++;
        acknowledged.set(key, body.sample);
        next[d]++;
      }
    };

    const killAt = Array.from({ length: KILLS }, (_, k) => Math.round((total * (k + 1)) / (KILLS + 1.5)));
    const devices = Array.from({ length: DEVICES }, (_, d) => device(d));
    for (const [k, threshold] of killAt.entries()) {
      await waitFor(`${threshold} acknowledged uploads`, async () => (acknowledged.size >= threshold ? true : undefined), { timeoutMs: 120_000, intervalMs: 5 });
      let resume!: () => void;
      restarted = new Promise((resolve) => (resume = resolve));
      generation++;
      const inFlight = next.filter((n) => n < IMAGES_PER_DEVICE).length;
      await kill9(server);
      const ackedAtKill = new Map(acknowledged);
      const { server: again, readyMs } = await restart(dataDir);
      server = again;
      const listed = await listSamples(server, adminKey, project.id);
      const stored = new Map(listed.map((s) => [s.id, s.sha256]));
      const duplicates = listed.length - new Set(listed.map((s) => s.sha256)).size;
      const lost = [...ackedAtKill.values()].filter((s) => stored.get(s.id) !== s.sha256).length;
      const blobs = scanBlobs(dataDir);
      log(`uploads: kill ${k + 1} at ${ackedAtKill.size} acknowledged (${inFlight} in flight): ${stored.size} stored, ${lost} lost, ${blobs.corrupt.length} corrupt blobs, ${blobs.temps.length} temp files; ready in ${readyMs.toFixed(0)} ms`);
      resume();
      // The server takes uploads again: every device's retry (same key) must be acknowledged.
      await waitFor(`the devices' retries after restart ${k + 1}`, async () => (acknowledged.size > ackedAtKill.size || acknowledged.size === total ? true : undefined), { timeoutMs: 60_000, intervalMs: 10 });
      killFailures += lost + blobs.corrupt.length + blobs.temps.length;
      rows.push({
        scenario: 'uploads', kill: `${k + 1}: after ${ackedAtKill.size} of ${total} acknowledged, ${inFlight} in flight`,
        acknowledged: `${ackedAtKill.size} → ${ackedAtKill.size - lost}`, lost, corrupt: `${blobs.corrupt.length} (${blobs.temps.length} temp files left)`,
        duplicates: `${duplicates}`,
        trials: '', job: '', restartMs: readyMs.toFixed(0),
      });
    }
    await Promise.all(devices);
    for (const [k, row] of rows.entries()) row.duplicates += ` (${retriedAlreadyStored[k + 1]} retries found their upload stored)`;

    // The end state: one sample per image, nothing acknowledged missing, and keyed re-sends return the stored sample.
    const listed = await listSamples(server, adminKey, project.id);
    const digests = new Set(images.map(sha256));
    const duplicates = listed.length - new Set(listed.map((s) => s.sha256)).size;
    const foreign = listed.filter((s) => !digests.has(s.sha256)).length;
    const stored = new Map(listed.map((s) => [s.id, s.sha256]));
    const lost = [...acknowledged.values()].filter((s) => stored.get(s.id) !== s.sha256).length;
    let resentSame = 0;
    for (let d = 0; d < DEVICES; d++) {
      const key = `${d}-0`;
      const response = await api(server, keys[d], `/projects/${project.id}/samples?label=a`, { method: 'POST', headers: { 'content-type': 'image/jpeg', 'idempotency-key': key }, body: images[d * IMAGES_PER_DEVICE] });
      const { sample, duplicate } = await jsonOf<{ sample: { id: string }; duplicate: boolean }>(response);
      if (duplicate && sample.id === acknowledged.get(key)?.id) resentSame++;
    }
    const after = (await listSamples(server, adminKey, project.id)).length;
    const blobs = scanBlobs(dataDir);
    log(`uploads: end: ${listed.length} stored for ${total} images (${duplicates} duplicates, ${foreign} foreign), ${lost} lost, ${resentSame}/${DEVICES} keyed re-sends returned the stored sample, ${after} samples after them; ${blobs.blobs} blobs, ${blobs.corrupt.length} corrupt, ${blobs.temps.length} temp files`);
    const ok = killFailures === 0 && lost === 0 && duplicates === 0 && foreign === 0 && listed.length === total && resentSame === DEVICES && after === total && blobs.corrupt.length === 0;
    rows.push({
      scenario: 'uploads', kill: `all ${KILLS}: end state`, acknowledged: `${acknowledged.size} → ${listed.length} (${total} images)`, lost, corrupt: `${blobs.corrupt.length} (${blobs.temps.length} temp files left)`,
      duplicates: `${duplicates} (${resentSame}/${DEVICES} keyed re-sends returned the stored sample)`, trials: '', job: '', restartMs: '',
    });
    if (!ok) process.exitCode = 1;
    await stopServer(server);
    return rows;
  } finally {
    killSpawned();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

type LeaderRow = { trialNumber: number; family: string; status: string; valAccuracy?: number; epochs: number };
interface JobState { id: string; status: string; modelId?: string; error?: string; progress: { phase: string; trialsFinished: number; leaderboard: LeaderRow[] } }
interface ReportTrial { number: number; family: string; status: string; valAccuracy?: number; startedAt: string; history: unknown[] }

async function trainingFaults(): Promise<Row[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'offgrid-faults-train-'));
  const rows: Row[] = [];
  try {
    let server = await spawnServer(dataDir);
    const key = server.adminKey!;
    const project = await postJson<{ id: string }>(server, key, '/projects', { name: 'faults-train', labels: ['red', 'blue'] });
    for (let i = 0; i < 20; i++) {
      const jpeg = await jpegOf(i % 2 ? [220, 30, 30] : [30, 30, 220], 1000 + i, 32);
      await jsonOf(await api(server, key, `/projects/${project.id}/samples?label=${i % 2 ? 'red' : 'blue'}`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(jpeg) }));
    }
    const job = await postJson<{ id: string }>(server, key, `/projects/${project.id}/train`, { budgetSeconds: TRAIN_BUDGET_SECONDS, seed: 7 });
    const poll = async () => jsonOf<JobState>(await api(server, key, `/jobs/${job.id}`));
    const unfinished = (state: JobState) => {
      if (!['queued', 'running'].includes(state.status)) throw new Error(`job ${job.id} ended (${state.status}${state.error ? `: ${state.error}` : ''}) before the planned kill`);
      return state;
    };
    // Finished trials at each kill, with the kill's time: they must come out of the final report unchanged.
    const finishedAtKills: { rows: LeaderRow[]; killedAt: string }[] = [];
    // The moments: trials running after >= 1 finished; after more finished since the restart; then the winner's retraining.
    const moments = Array.from({ length: KILLS }, (_, k) => (k === KILLS - 1 && KILLS > 1 ? 'retraining' : 'trials'));
    let trialsSeen = 0;
    for (const [k, moment] of moments.entries()) {
      const state = await waitFor(moment === 'trials' ? `a trial to finish (more than ${trialsSeen})` : 'the retraining phase', async () => {
        const polled = unfinished(await poll());
        if (moment === 'retraining') return ['retraining', 'quantizing', 'evaluating'].includes(polled.progress.phase) ? polled : undefined;
        return polled.progress.phase === 'searching' && polled.progress.trialsFinished > trialsSeen ? polled : undefined;
      }, { timeoutMs: (TRAIN_BUDGET_SECONDS + 120) * 1000, intervalMs: 50 });
      trialsSeen = state.progress.trialsFinished;
      await kill9(server);
      const killedAt = new Date().toISOString();
      finishedAtKills.push({ rows: state.progress.leaderboard.filter((row) => ['completed', 'pruned'].includes(row.status)), killedAt });
      const { server: again, readyMs } = await restart(dataDir);
      server = again;
      // Resumed: the same job id runs again and reports (at least) the trials finished before the kill.
      const resumed = await waitFor(`job ${job.id} to resume after kill ${k + 1}`, async () => {
        const polled = unfinished(await poll());
        return polled.status === 'running' && polled.progress.phase !== 'preparing' && polled.progress.trialsFinished >= trialsSeen ? polled : undefined;
      }, { timeoutMs: 120_000, intervalMs: 50 });
      log(`training: kill ${k + 1} in ${state.progress.phase} with ${trialsSeen} trials finished; resumed (${resumed.progress.phase}, ${resumed.progress.trialsFinished} finished); ready in ${readyMs.toFixed(0)} ms`);
      rows.push({
        scenario: 'training', kill: `${k + 1}: in ${state.progress.phase}, ${trialsSeen} trials finished`, acknowledged: '', lost: '', corrupt: '', duplicates: '',
        trials: `${resumed.progress.trialsFinished} reported on resume`, job: `same id resumed (${resumed.progress.phase})`, restartMs: readyMs.toFixed(0),
      });
    }
    const final = await waitFor(`job ${job.id} to finish`, async () => {
      const polled = await poll();
      return ['queued', 'running'].includes(polled.status) ? undefined : polled;
    }, { timeoutMs: (TRAIN_BUDGET_SECONDS + 180) * 1000, intervalMs: 200 });
    if (final.status !== 'succeeded' || !final.modelId) throw new Error(`job ${job.id} ended ${final.status}: ${final.error ?? ''}`);

    // Kept, not re-run: each trial finished before a kill is in the report, started before that kill, with the same result and epochs.
    const report = await jsonOf<{ trials: ReportTrial[] }>(await api(server, key, `/models/${final.modelId}/report`));
    const seen = new Map<number, { row: LeaderRow; killedAt: string }>();
    for (const { rows: finished, killedAt } of finishedAtKills) for (const row of finished) if (!seen.has(row.trialNumber)) seen.set(row.trialNumber, { row, killedAt });
    let kept = 0;
    const rerun: number[] = [];
    for (const [number, { row, killedAt }] of seen) {
      const trial = report.trials.find((t) => t.number === number);
      const same = trial && trial.startedAt < killedAt && trial.family === row.family && trial.status.replace(' (winner)', '') === row.status
        && trial.valAccuracy === row.valAccuracy && trial.history.length === row.epochs;
      if (same) kept++;
      else rerun.push(number);
    }
    const { models } = await jsonOf<{ models: { id: string; artifacts: { variant: string; sha256: string }[] }[] }>(await api(server, key, `/projects/${project.id}/models`));
    let goodDownloads = 0;
    let rightPredictions = 0; // each file through LiteRT.js on a fresh red and a fresh blue picture
    const files = models[0]?.artifacts.filter((a) => a.variant === 'int8' || a.variant === 'float32') ?? [];
    for (const artifact of files) {
      const response = await api(server, key, `/models/${final.modelId}/download?variant=${artifact.variant}`);
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (response.ok && sha256(bytes) === artifact.sha256 && response.headers.get('x-checksum-sha256') === artifact.sha256) goodDownloads++;
      for (const [index, rgb] of ([[220, 30, 30], [30, 30, 220]] as const).entries()) {
        const [probabilities] = await runTflite(bytes, [preprocessImage(await decodeImage(await jpegOf([...rgb], 5000 + index, 32)), DEFAULT_IMAGE_SPEC)]);
        if (probabilities.indexOf(Math.max(...probabilities)) === index) rightPredictions++;
      }
    }
    const blobs = scanBlobs(dataDir);
    log(`training: ${final.status}; ${report.trials.length} trials in the report; ${kept}/${seen.size} trials finished before a kill kept${rerun.length ? `, re-run: ${rerun.join(', ')}` : ''}; ${models.length} model(s); ${goodDownloads}/${files.length} files download with their sha256, ${rightPredictions}/${2 * files.length} fresh pictures right in LiteRT.js; ${blobs.corrupt.length} corrupt blobs`);
    rows.push({
      scenario: 'training', kill: `all ${KILLS}: end state`, acknowledged: '', lost: '', corrupt: `${blobs.corrupt.length}`, duplicates: `${models.length - 1} extra models`,
      trials: `${kept} kept / ${rerun.length} re-run (of ${seen.size} finished before a kill; ${report.trials.length} in the report)`,
      job: `${final.status}, ${models.length} model, ${goodDownloads}/${files.length} files with the right sha256, ${rightPredictions}/${2 * files.length} fresh pictures right in LiteRT.js`, restartMs: '',
    });
    if (rerun.length || models.length !== 1 || goodDownloads !== 2 || files.length !== 2 || blobs.corrupt.length || models[0].id !== final.modelId) process.exitCode = 1;
    await stopServer(server);
    return rows;
  } finally {
    killSpawned();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const load = loadavg()[0];
const rows = [
  ...(values.only === 'training' ? [] : await uploadFaults()),
  ...(values.only === 'uploads' ? [] : await trainingFaults()),
];
console.log(`\n${new Date().toISOString()}, ${cpus().length} × ${cpus()[0]?.model}, Node ${process.version}, load average (1 min) ${load.toFixed(2)} → ${loadavg()[0].toFixed(2)}\n`);
console.log('| scenario | kill | acknowledged → stored | lost | corrupt blobs | duplicates | trials kept / re-run | job | restart → ready (ms) |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.scenario} | ${r.kill} | ${r.acknowledged} | ${r.lost} | ${r.corrupt} | ${r.duplicates} | ${r.trials} | ${r.job} | ${r.restartMs} |`);
