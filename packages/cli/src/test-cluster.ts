import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { freePort, startTestRedis, type TestRedis } from '@offgrid/server/test-redis';
import { startCli, type CliProcess } from './test-processes.ts';

/**
 * A coordinator (`offgrid serve --queue`, real HTTPS with its own CA) on a real Redis, as the cluster tests use it:
 * it only coordinates (`--training-concurrency 0`), so every trial runs on a worker process the test starts.
 */
export interface TestCluster {
  redis: TestRedis;
  /** `https://127.0.0.1:<port>` */
  server: string;
  /** The coordinator's CA certificate file, which workers are given with `--ca`. */
  ca: string;
  coordinator: CliProcess;
  /** The coordinator's admin key (from its admin-key.txt). */
  adminKey: string;
  /** An API call as the admin; asserts success and returns the JSON answer. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- API answers, read field by field
  api(path: string, init?: { method?: string; body?: string; contentType?: string }): Promise<any>;
  /** `offgrid worker` with this key (one trial at a time, its own cache folder); stopped with the cluster. */
  startWorker(name: string, key: string, options?: { args?: string[]; env?: Record<string, string> }): CliProcess;
  /** Polls the job until it has ended (up to 2 minutes). */
  finish(jobId: string): Promise<{ status: string; modelId?: string }>;
  /** kill -9 the coordinator; `between` runs while it is down (e.g. a Redis restart); then it starts again on the same data. */
  restartCoordinator(between?: () => Promise<void>): Promise<void>;
  /** Everything the cluster started, stopped; its files removed. */
  stop(): Promise<void>;
}

export async function startTestCluster({ appendonly = false }: { appendonly?: boolean } = {}): Promise<TestCluster> {
  const redis = await startTestRedis({ appendonly });
  const root = mkdtempSync(join(tmpdir(), 'offgrid-cluster-'));
  const port = await freePort();
  const data = join(root, 'coordinator');
  const coordinatorArgs = ['serve', '--port', String(port), '--host', '127.0.0.1', '--data', data, '--queue', redis.url, '--training-concurrency', '0', '--queue-trials', '2'];
  const workers: CliProcess[] = [];
  const server = `https://127.0.0.1:${port}`;
  const ca = join(data, 'tls', 'ca.crt');
  const coordinator = startCli(coordinatorArgs);
  try {
    await coordinator.waitFor(/Offgrid is running/, 60_000);
  } catch (error) {
    await coordinator.stop();
    await redis.close();
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  const adminKey = readFileSync(join(data, 'admin-key.txt'), 'utf8').trim().split(/\s+/).find((word) => word.startsWith('og_'))!;
  const dispatcher = new Agent({ connect: { ca: readFileSync(ca, 'utf8') } });

  const cluster: TestCluster = {
    redis, server, ca, coordinator, adminKey,
    async api(path, init = {}) {
      const response = await fetch(`${server}/api/v1${path}`, {
        method: init.method ?? 'GET', body: init.body, dispatcher,
        headers: { authorization: `Bearer ${cluster.adminKey}`, ...(init.body ? { 'content-type': init.contentType ?? 'application/json' } : {}) },
      });
      const json = await response.json();
      assert.ok(response.ok, `${init.method ?? 'GET'} ${path}: ${response.status} ${JSON.stringify(json)}`);
      return json;
    },
    startWorker(name, key, { args = [], env = {} } = {}) {
      const worker = startCli(['worker', '--server', server, '--key', key, '--ca', ca, '--concurrency', '1', '--name', name, '--cache', join(root, `cache-${name}`), ...args], env);
      workers.push(worker);
      return worker;
    },
    async finish(jobId) {
      let job = await cluster.api(`/jobs/${jobId}`);
      for (let i = 0; i < 240 && !['succeeded', 'failed', 'cancelled'].includes(job.status); i++) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        job = await cluster.api(`/jobs/${jobId}`);
      }
      return job;
    },
    async restartCoordinator(between) {
      cluster.coordinator.child.kill('SIGKILL');
      await cluster.coordinator.exited;
      await between?.();
      cluster.coordinator = startCli(coordinatorArgs);
      await cluster.coordinator.waitFor(/Offgrid is running/, 60_000);
    },
    async stop() {
      for (const worker of workers) await worker.stop();
      await cluster.coordinator.stop();
      await dispatcher.close();
      await redis.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
  return cluster;
}

/** The trials a worker's terminal says it delivered, by trial id. */
export const deliveredTrials = (worker: CliProcess) => worker.lines.map((line) => / trial (\S+) delivered/.exec(line)?.[1]).filter((id): id is string => id !== undefined);

/** 120 CSV rows of three machine states (temperature, vibration) with seeded noise: a table a search learns in seconds. */
export function sensorCsv(seed: number): string {
  let state = seed;
  const noise = () => { state = (state * 1103515245 + 12345) % 2 ** 31; return (state % 1000) / 1000 - 0.5; };
  const rows = Array.from({ length: 120 }, (_, i) => {
    const label = ['idle', 'running', 'fault'][i % 3];
    const [t, v] = { idle: [20, 0.1], running: [45, 1.0], fault: [70, 3.0] }[label] as [number, number];
    return `${label},${(t + noise() * 6).toFixed(2)},${(v + noise() * 0.4).toFixed(3)}`;
  });
  return `label,temperature,vibration\n${rows.join('\n')}\n`;
}

/** The project both cluster tests train. */
export const SENSOR_PROJECT = { name: 'sensors', labels: ['idle', 'running', 'fault'], modality: 'tabular', featureNames: ['temperature', 'vibration'] };
