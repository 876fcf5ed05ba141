/**
 * Preloaded into the server process by the load bench (`node --import tsx --import bench/server/server-probe.mjs main.ts`),
 * so the server's code stays unchanged: records the main thread's event-loop delay, GC pauses, CPU time and the
 * server-side time of each request (from Node's http diagnostics channels: request parsed → response finished).
 * On SIGUSR2 it writes what it saw since the previous SIGUSR2 as JSON to $OFFGRID_PROBE_FILE and starts over.
 *
 * Plain JavaScript on purpose: training worker threads inherit the preload flags, and a worker imports them
 * before tsx's loader is active there (a .ts preload made every trial fail with "Unknown file extension").
 */
import { subscribe } from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import { renameSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

const file = process.env.OFFGRID_PROBE_FILE;
// Worker threads inherit the preload; only the main thread (the API) is measured.
if (file && isMainThread) {
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  // Pauses by kind (minor = scavenge, major = mark-compact, …), from V8's own gc performance entries.
  const GC_KINDS = { 1: 'major', 2: 'minor', 4: 'incremental', 8: 'weakcb' };
  /** @type {Record<string, { count: number, totalMs: number, maxMs: number }>} */
  let gc = {};
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = GC_KINDS[/** @type {{ kind: number }} */ (entry.detail)?.kind] ?? 'other';
      const seen = (gc[kind] ??= { count: 0, totalMs: 0, maxMs: 0 });
      seen.count++;
      seen.totalMs = +(seen.totalMs + entry.duration).toFixed(1);
      seen.maxMs = +Math.max(seen.maxMs, entry.duration).toFixed(1);
    }
  }).observe({ entryTypes: ['gc'] });
  // Main-thread time inside better-sqlite3 (synchronous by design): its Statement methods, wrapped once on the
  // shared prototype. Writes commit (and fsync the WAL, synchronous=FULL) inside run().
  /** @type {Record<string, number[]>} */
  let sqliteMs = {};
  const Database = createRequire(new URL('../../packages/server/package.json', import.meta.url))('better-sqlite3');
  /** One label per statement, built once (the probe must not add garbage of its own per call). */
  const names = new WeakMap();
  const statement = Object.getPrototypeOf(new Database(':memory:').prepare('SELECT 1'));
  for (const method of ['run', 'get', 'all']) {
    const original = statement[method];
    statement[method] = function (...args) {
      const t0 = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        let name = names.get(this);
        if (name === undefined) names.set(this, (name = `${method} ${String(this.source).replace(/\s+/g, ' ').slice(0, 60)}`));
        (sqliteMs[name] ??= []).push(performance.now() - t0);
      }
    };
  }
  let cpu = process.cpuUsage();
  let since = performance.now();
  /** @type {WeakMap<import('node:http').IncomingMessage, number>} */
  const started = new WeakMap();
  /** @type {Record<string, number[]>} */
  let serverMs = {};
  // Routes by shape: ids and query strings folded, so all uploads land in one bucket.
  /** @param {import('node:http').IncomingMessage} request */
  const routeOf = (request) => `${request.method} ${(request.url ?? '').split('?')[0].replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, ':id')}`;
  subscribe('http.server.request.start', (message) => {
    const { request } = /** @type {{ request: import('node:http').IncomingMessage }} */ (message);
    started.set(request, performance.now());
  });
  subscribe('http.server.response.finish', (message) => {
    const { request } = /** @type {{ request: import('node:http').IncomingMessage }} */ (message);
    const t0 = started.get(request);
    if (t0 !== undefined) (serverMs[routeOf(request)] ??= []).push(performance.now() - t0);
  });
  /** @param {number} ns */
  const ms = (ns) => +(ns / 1e6).toFixed(1);
  process.on('SIGUSR2', () => {
    const used = process.cpuUsage(cpu);
    const seconds = (performance.now() - since) / 1000;
    /** @param {Record<string, number[]>} byName */
    const distributions = (byName) => Object.fromEntries(Object.entries(byName).map(([name, times]) => {
      const sorted = times.sort((a, b) => a - b);
      /** @param {number} p */
      const at = (p) => +sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(2);
      return [name, { count: sorted.length, totalMs: +sorted.reduce((a, b) => a + b, 0).toFixed(1), p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1) }];
    }));
    const stats = {
      seconds: +seconds.toFixed(2),
      eventLoopDelay: { p50Ms: ms(loop.percentile(50)), p99Ms: ms(loop.percentile(99)), maxMs: ms(loop.max), meanMs: ms(loop.mean) },
      gc,
      // All of the process's threads: the main thread, libuv's pool (sharp, fs, hashing) and the training worker.
      cpuCores: +((used.user + used.system) / 1e6 / seconds).toFixed(2),
      serverMs: distributions(serverMs),
      sqliteMs: distributions(sqliteMs),
    };
    writeFileSync(`${file}.tmp`, JSON.stringify(stats));
    renameSync(`${file}.tmp`, file);
    loop.reset();
    gc = {};
    cpu = process.cpuUsage();
    since = performance.now();
    serverMs = {};
    sqliteMs = {};
  });
}
