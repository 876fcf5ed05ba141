/**
 * Load bench for the LAN server: N devices (each with its own paired key) upload 224x224 JPEGs as fast as
 * the server answers, while metadata readers poll GET /projects and a real training job runs. The server runs
 * in its own process (packages/server/src/main.ts) on loopback; this process only generates load.
 * Afterwards every acknowledged upload is checked: count, sha256 from the API, and the blob re-hashed on disk.
 *
 *   node --import tsx bench/server/upload-load.ts [--devices 20] [--images 50] [--readers 2]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

const { values } = parseArgs({ options: { devices: { type: 'string', default: '20' }, images: { type: 'string', default: '50' }, readers: { type: 'string', default: '2' } } });
const DEVICES = Number(values.devices);
const IMAGES_PER_DEVICE = Number(values.images);
const READERS = Number(values.readers);
const MAIN = fileURLToPath(new URL('../../packages/server/src/main.ts', import.meta.url));
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A photo-like 224x224 JPEG: a colour gradient plus seeded noise, so every image is distinct and compresses like a photo. */
async function photo(seed: number, size = 224): Promise<Uint8Array<ArrayBuffer>> {
  const pixels = Buffer.alloc(size * size * 3);
  let state = (seed * 2654435761) % 2 ** 32;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (let c = 0; c < 3; c++) {
        state = (state * 1664525 + 1013904223) % 2 ** 32;
        pixels[(y * size + x) * 3 + c] = ((x * (c + 1) + y * (3 - c) + seed * 37) % 256 + (state % 31)) & 255;
      }
    }
  }
  const jpeg = await sharp(pixels, { raw: { width: size, height: size, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
  return new Uint8Array(jpeg); // a copy on its own ArrayBuffer: what fetch's body type accepts
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

function summary(latencies: number[], seconds: number) {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { requests: sorted.length, perSecond: +(sorted.length / seconds).toFixed(1), p50Ms: +percentile(sorted, 50).toFixed(1), p99Ms: +percentile(sorted, 99).toFixed(1), maxMs: +(sorted.at(-1) ?? NaN).toFixed(1) };
}

async function startServer(dataDir: string): Promise<{ child: ChildProcess; baseUrl: string; adminKey: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--data', dataDir, '--port', '0', '--host', '127.0.0.1', '--insecure-http', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] });
  for await (const line of createInterface({ input: child.stdout! })) {
    if (line.startsWith('{"offgrid"')) {
      const ready = JSON.parse(line) as { urls: string[]; adminKey: string };
      return { child, baseUrl: ready.urls[0], adminKey: ready.adminKey };
    }
  }
  throw new Error('server exited before listening');
}

const dataDir = mkdtempSync(join(tmpdir(), 'offgrid-bench-'));
const server = await startServer(dataDir);
const api = (key: string, path: string, init: RequestInit = {}) =>
  fetch(`${server.baseUrl}/api/v1${path}`, { ...init, headers: { authorization: `Bearer ${key}`, ...(init.headers as Record<string, string>) } });
const postJson = async <T>(key: string, path: string, body: unknown): Promise<T> => {
  const response = await api(key, path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<T>;
};

try {
  // Set-up: one project for the load, one small one whose training runs during the load, one key per device.
  const project = await postJson<{ id: string }>(server.adminKey, '/projects', { name: 'load', labels: ['a', 'b', 'c', 'd'] });
  const trainProject = await postJson<{ id: string }>(server.adminKey, '/projects', { name: 'train-during-load', labels: ['a', 'b'] });
  for (let i = 0; i < 20; i++) {
    await api(server.adminKey, `/projects/${trainProject.id}/samples?label=${i % 2 ? 'a' : 'b'}`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: await photo(100_000 + i, 32) });
  }
  const keys: string[] = [];
  for (let d = 0; d < DEVICES; d++) {
    const { token } = await postJson<{ token: string }>(server.adminKey, '/pairing/tokens', {});
    keys.push((await postJson<{ apiKey: string }>('', '/pairing/exchange', { token, deviceName: `phone-${d}` })).apiKey);
  }
  process.stderr.write(`generating ${DEVICES * IMAGES_PER_DEVICE} JPEGs (224x224)…\n`);
  const images = await Promise.all(Array.from({ length: DEVICES * IMAGES_PER_DEVICE }, (_, i) => photo(i)));
  const meanKiB = images.reduce((sum, image) => sum + image.length, 0) / images.length / 1024;

  const job = await postJson<{ id: string }>(server.adminKey, `/projects/${trainProject.id}/train`, { budgetSeconds: 120 });
  // Wait until the trainer is busy, so the load really runs beside training.
  for (;;) {
    const polled = (await (await api(server.adminKey, `/jobs/${job.id}`)).json()) as { progress: { phase: string } };
    if (polled.progress.phase === 'training') break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  const uploadLatencies: number[] = [];
  const metadataLatencies: number[] = [];
  const errors: Record<string, number> = {};
  const acknowledged = new Map<string, string>(); // sample id → sha256 sent
  let uploading = true;
  const started = performance.now();
  const devices = keys.map(async (key, d) => {
    for (let i = 0; i < IMAGES_PER_DEVICE; i++) {
      const bytes = images[d * IMAGES_PER_DEVICE + i];
      const t0 = performance.now();
      try {
        const response = await api(key, `/projects/${project.id}/samples?label=${'abcd'[i % 4]}`, {
          method: 'POST', headers: { 'content-type': 'image/jpeg', 'x-checksum-sha256': sha256(bytes), 'idempotency-key': `${d}-${i}` }, body: bytes,
        });
        const body = (await response.json()) as { sample?: { id: string; sha256: string } };
        uploadLatencies.push(performance.now() - t0);
        if (response.status === 201 && body.sample) acknowledged.set(body.sample.id, body.sample.sha256);
        else errors[response.status] = (errors[response.status] ?? 0) + 1;
      } catch (error) {
        errors[(error as Error).message] = (errors[(error as Error).message] ?? 0) + 1;
      }
    }
  });
  const readers = Array.from({ length: READERS }, async () => {
    while (uploading) {
      const t0 = performance.now();
      const response = await api(server.adminKey, '/projects');
      await response.arrayBuffer();
      metadataLatencies.push(performance.now() - t0);
      if (!response.ok) errors[`GET /projects ${response.status}`] = (errors[`GET /projects ${response.status}`] ?? 0) + 1;
    }
  });
  await Promise.all(devices);
  uploading = false;
  await Promise.all(readers);
  const seconds = (performance.now() - started) / 1000;
  const jobAfter = (await (await api(server.adminKey, `/jobs/${job.id}`)).json()) as { status: string; progress: { epoch: number; epochs: number } };
  // The job only exists to keep the trainer busy during the load.
  await api(server.adminKey, `/jobs/${job.id}/cancel`, { method: 'POST' });

  // Verification: nothing acknowledged is missing, every digest matches, every blob re-hashes to its name.
  const listed: { id: string; sha256: string }[] = [];
  let after: string | undefined;
  do {
    const page = (await (await api(server.adminKey, `/projects/${project.id}/samples?limit=1000${after ? `&after=${after}` : ''}`)).json()) as { samples: { id: string; sha256: string }[]; nextAfter?: string };
    listed.push(...page.samples);
    after = page.nextAfter;
  } while (after);
  const stored = new Map(listed.map((s) => [s.id, s.sha256]));
  const lost = [...acknowledged].filter(([id, digest]) => stored.get(id) !== digest).length;
  const sentDigests = new Set(images.map(sha256));
  const badBlobs = listed.filter((s) => !sentDigests.has(s.sha256) || sha256(readFileSync(join(dataDir, 'blobs', s.sha256.slice(0, 2), s.sha256))) !== s.sha256).length;

  const result = {
    date: new Date().toISOString(), node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model,
    devices: DEVICES, imagesPerDevice: IMAGES_PER_DEVICE, metadataReaders: READERS, meanImageKiB: +meanKiB.toFixed(1), seconds: +seconds.toFixed(2),
    uploads: summary(uploadLatencies, seconds), metadata: summary(metadataLatencies, seconds), errors,
    acknowledged: acknowledged.size, stored: listed.length, lost, badBlobs,
    trainingJobDuringLoad: `${jobAfter.status}, epoch ${jobAfter.progress.epoch}/${jobAfter.progress.epochs} when the uploads ended`,
  };
  console.log(JSON.stringify(result, null, 2));
  if (lost || badBlobs || listed.length !== DEVICES * IMAGES_PER_DEVICE) process.exitCode = 1;
} finally {
  server.child.kill('SIGTERM');
  await new Promise((resolve) => server.child.once('exit', resolve));
  rmSync(dataDir, { recursive: true, force: true });
}
