/**
 * The real server in its own OS process, for what an in-process server cannot show: `kill -9` (durability test,
 * fault bench) and load from a second process (load bench). Used by `durability.test.ts` and `bench/server/*.ts`;
 * throws plain Errors that name what went wrong, so a bench and a test read the same failures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export interface ServerProcess {
  process: ChildProcess;
  baseUrl: string;
  /** Printed only on the first start of a data directory. */
  adminKey?: string;
  /** Resolves with the signal (or exit code) once the process is gone. */
  exited: Promise<NodeJS.Signals | number | null>;
  /** From spawn to the listening line (the job runner has started by then): what a restart costs. */
  startMs: number;
}

export interface SpawnOptions {
  /** Node flags before the entry point (e.g. another `--import` preload); `--import tsx` always comes first. */
  nodeArgs?: string[];
  env?: NodeJS.ProcessEnv;
  logLevel?: string;
}

/** Every server spawned here, so a failing test or bench can kill what it left running (`killSpawned`). */
const spawned: ChildProcess[] = [];

/** Starts `main.ts` as `offgrid serve` runs it (plain HTTP on 127.0.0.1, any free port); resolves once it prints its listening line. */
export async function spawnServer(dataDir: string, options: SpawnOptions = {}): Promise<ServerProcess> {
  const started = performance.now();
  const args = ['--import', 'tsx', ...(options.nodeArgs ?? []), MAIN, '--data', dataDir, '--port', '0', '--host', '127.0.0.1', '--insecure-http', '--log-level', options.logLevel ?? 'warn'];
  const child = spawn(process.execPath, args, {
    cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...options.env },
  });
  spawned.push(child);
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  let ready: { urls: string[]; adminKeyFile?: string } | undefined;
  for await (const line of createInterface({ input: child.stdout! })) {
    if (!line.startsWith('{"offgrid"')) continue;
    ready = JSON.parse(line) as { urls: string[]; adminKeyFile?: string };
    break;
  }
  if (!ready) throw new Error(`the server exited before listening (${await exited})`);
  // Leaving the loop closed readline, which paused stdout: keep draining it (logs), or a chatty server blocks on a full pipe.
  child.stdout!.resume();
  // stdout is a pipe here, so the first start's admin key is in a file (main.ts prints its path, never the key).
  const adminKey = ready.adminKeyFile ? readFileSync(ready.adminKeyFile, 'utf8').trim() : undefined;
  return { process: child, baseUrl: ready.urls[0], adminKey, exited, startMs: performance.now() - started };
}

/** SIGKILL, as a power cut or the OOM killer would: no handler runs. Resolves once the process is gone. */
export async function kill9(server: ServerProcess): Promise<void> {
  server.process.kill('SIGKILL');
  const how = await server.exited;
  if (how !== 'SIGKILL') throw new Error(`the server ended with ${how} instead of being killed by SIGKILL`);
}

/** SIGTERM (graceful shutdown); resolves with the exit code (0 when it closed cleanly). */
export async function stopServer(server: ServerProcess): Promise<NodeJS.Signals | number | null> {
  if (server.process.exitCode === null && server.process.signalCode === null) server.process.kill('SIGTERM');
  return server.exited;
}

/** Kills every server still running (a failed assertion must not leave one holding the test or bench open). */
export function killSpawned(): void {
  for (const child of spawned) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** fetch against `/api/v1` with a bearer key. */
export function api(server: Pick<ServerProcess, 'baseUrl'>, key: string, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${server.baseUrl}/api/v1${path}`, { ...init, headers: { authorization: `Bearer ${key}`, ...(init.headers as Record<string, string>) } });
}

/** The JSON body of a 2xx answer; otherwise an Error with the status and the body. */
export async function jsonOf<T>(response: Response): Promise<T> {
  if (!response.ok) throw new Error(`${response.url}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<T>;
}

export const postJson = async <T>(server: Pick<ServerProcess, 'baseUrl'>, key: string, path: string, body: unknown): Promise<T> =>
  jsonOf<T>(await api(server, key, path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));

/** Polls `probe` until it returns a value (not undefined); after `timeoutMs` throws an Error that says what never happened. */
/** A device key, the way a phone gets one: a pairing token (admin) for these projects, exchanged for a key. */
export async function pairDevice(server: Pick<ServerProcess, 'baseUrl'>, adminKey: string, deviceName: string, projectIds: string[] = []): Promise<string> {
  const { token } = await postJson<{ token: string }>(server, adminKey, '/pairing/tokens', { projectIds });
  return (await postJson<{ apiKey: string }>(server, '', '/pairing/exchange', { token, deviceName })).apiKey;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, { timeoutMs = 60_000, intervalMs = 50 } = {}): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export interface ListedSample { id: string; sha256: string; label: string; createdAt: string }

/** Every sample of a project, through the paged list route. */
export async function listSamples(server: Pick<ServerProcess, 'baseUrl'>, key: string, projectId: string): Promise<ListedSample[]> {
  const listed: ListedSample[] = [];
  let after: string | undefined;
  do {
    const page = await jsonOf<{ samples: ListedSample[]; nextAfter?: string }>(await api(server, key, `/projects/${projectId}/samples?limit=1000${after ? `&after=${after}` : ''}`));
    listed.push(...page.samples);
    after = page.nextAfter;
  } while (after);
  return listed;
}

/** Where the blob store keeps the bytes of a digest (see storage/blob-store.ts). */
export const blobPathOf = (dataDir: string, digest: string) => join(dataDir, 'blobs', digest.slice(0, 2), digest);

/**
 * Reads every file in the blob folder. `corrupt`: blob files whose bytes do not hash to their name (a half-written
 * blob that became visible); `temps`: temp files of writes a crash interrupted (invisible to readers: never named
 * by a digest, never referenced).
 */
export function scanBlobs(dataDir: string): { blobs: number; corrupt: string[]; temps: string[] } {
  const root = join(dataDir, 'blobs');
  let blobs = 0;
  const corrupt: string[] = [];
  const temps: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (entry.isFile()) temps.push(entry.name);
    if (!entry.isDirectory()) continue;
    for (const name of readdirSync(join(root, entry.name))) {
      blobs++;
      if (sha256(readFileSync(join(root, entry.name, name))) !== name) corrupt.push(`${entry.name}/${name}`);
    }
  }
  return { blobs, corrupt, temps };
}
