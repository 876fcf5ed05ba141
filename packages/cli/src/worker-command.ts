// `offgrid worker`: this machine trains trials for a coordinator (`offgrid serve --queue …`) on the LAN.
import { readFileSync } from 'node:fs';
import { homedir, hostname, availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ACCELERATOR_REQUESTS, chooseAccelerator, type AcceleratorRequest } from '@offgrid/engine/accelerator';
import { HttpWorkerLink, startQueueWorker, WorkerRefusedError } from '@offgrid/server';

const CACHE_DAYS = 7;

export const WORKER_USAGE = 'Usage: offgrid worker --server https://<coordinator>:8000 --key <worker key> [--ca ca.crt] [--concurrency N] [--name <machine>] [--cache <dir>] [--accelerator auto|webgpu|wasm]\n';

export async function workerCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values } = parseArgs({
    args: argv, strict: true,
    options: {
      server: { type: 'string' }, key: { type: 'string' }, ca: { type: 'string' }, concurrency: { type: 'string' },
      name: { type: 'string' }, cache: { type: 'string' }, accelerator: { type: 'string' },
    },
  });
  const server = (values.server ?? env.OFFGRID_SERVER)?.replace(/\/+$/, '');
  const key = values.key ?? env.OFFGRID_KEY;
  if (!server || !/^https?:\/\//.test(server)) throw new Error(`Give the coordinator with --server https://<coordinator>:8000 (or OFFGRID_SERVER).\n${WORKER_USAGE}`);
  if (!key) throw new Error('Give a worker key with --key (or OFFGRID_KEY); an admin makes one with `offgrid keys create --scope worker --name <this machine>`.');
  const concurrency = Number(values.concurrency ?? Math.max(1, availableParallelism() - 1));
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new Error(`--concurrency must be a whole number of trials from 1 to 64, got "${values.concurrency}".`);
  const requested = (values.accelerator ?? env.OFFGRID_ACCELERATOR ?? 'auto') as AcceleratorRequest;
  if (!ACCELERATOR_REQUESTS.includes(requested)) throw new Error(`--accelerator must be one of ${ACCELERATOR_REQUESTS.join(', ')}, got "${requested}".`);
  const caFile = values.ca ?? env.OFFGRID_CA;
  let ca: string | undefined;
  if (caFile) {
    try {
      ca = readFileSync(caFile, 'utf8');
    } catch (error) {
      throw new Error(`Cannot read the CA certificate ${caFile} (--ca / OFFGRID_CA): ${(error as Error).message}`, { cause: error });
    }
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`${caFile} (--ca / OFFGRID_CA) is not a PEM certificate: use the coordinator's <data>/tls/ca.crt.`);
  }
  const name = values.name ?? hostname();
  const say = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  // This machine's own choice (its GPU, its self-test), whatever the coordinator trains on.
  const choosing = chooseAccelerator(requested);

  let refused: ((error: Error) => void) | undefined;
  const stopped = new Promise<Error | undefined>((resolve) => {
    refused = resolve;
    process.once('SIGINT', () => resolve(undefined));
    process.once('SIGTERM', () => resolve(undefined));
  });
  const link = new HttpWorkerLink({
    server, key, ...(ca ? { ca } : {}), worker: name, cacheDir: values.cache ?? join(homedir(), '.cache', 'offgrid-worker'),
    onRefused: (error) => refused?.(error),
  });
  // Inputs of past searches: kept a week (a search resumed or repeated on the same data downloads nothing), then dropped.
  const pruned = await link.pruneCache(CACHE_DAYS * 24 * 3600 * 1000);
  if (pruned > 0) say(`removed ${pruned} cached trial input(s) unused for ${CACHE_DAYS} days`);
  let queue;
  try {
    queue = await link.queue();
  } catch (error) {
    await link.close();
    if (error instanceof WorkerRefusedError) throw new Error(`The coordinator refused this worker: ${error.message}`, { cause: error });
    throw new Error(`Cannot reach the coordinator at ${server}: ${(error as Error).message}${/CERT|certificate/i.test(String((error as Error).cause ?? '')) ? ' (trust its certificate authority with --ca <its data dir>/tls/ca.crt)' : ''}`, { cause: error });
  }
  const accelerator = await choosing;
  say(`training on ${accelerator.reason}`);
  // The queue's URL names this key's own Redis user; it is fetched again whenever Redis refuses the login (Redis
  // restarted, the coordinator restarted), and a key revoked meanwhile stops the worker.
  const worker = startQueueWorker({
    source: link, initial: queue, link, concurrency, name, accelerator,
    onFallback: (fallback) => say(`WebGPU failed during ${fallback.during} (${fallback.error}): this worker trains on wasm from now on`),
    onError: (error) => say(`queue: ${error.message} (reconnecting)`),
    onRestart: (redisUrl) => say(`queue: new credentials from the coordinator, reconnected as ${new URL(redisUrl).username}`),
    onRefused: (error) => refused?.(error),
    onTrial: (event) => say(`trial ${event.trialId} ${event.outcome}${event.detail ? `: ${event.detail}` : ''}`),
  });
  say(`worker "${name}" takes trials from ${server} (queue ${worker.redisUrl}), ${concurrency} at a time.`);
  const reason = await stopped;
  if (reason) say(`stopping: ${reason instanceof WorkerRefusedError ? `the coordinator refused this worker's key (revoked?): ${reason.message}` : reason.message}`);
  await worker.close();
  await link.close();
  return reason ? 1 : 0;
}
