import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ACCELERATOR_REQUESTS, type AcceleratorRequest } from '@offgrid/engine/accelerator';
import type { RateLimitOptions } from './auth/rate-limit.ts';
import type { ServeOptions } from './serve.ts';

/** Everything `startServer` can be configured with from outside; one table, one set of defaults. */
export interface ServerConfig {
  port: number;
  host: string;
  data: string;
  insecureHttp: boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  corsOrigins: string[];
  rateLimits?: RateLimitOptions | false;
  /** Trials a training job runs in parallel, one core each; 1 keeps a core free for the API. */
  trainingConcurrency: number;
  /** redis://[:password@]host:port: coordinate `offgrid worker`s on other machines through BullMQ (unset: no Redis). */
  queue?: string;
  /** With `queue`: trials a search keeps in flight across all machines. */
  queueTrials: number;
  /** What this machine's trials train on; `auto`: a self-test at start-up picks WebGPU where it is correct and faster. */
  accelerator: AcceleratorRequest;
}

export const DEFAULT_CONFIG = {
  port: 8000, host: '0.0.0.0', data: './offgrid-data', insecureHttp: false, logLevel: 'info', corsOrigins: [], trainingConcurrency: 1, queueTrials: 4, accelerator: 'auto',
} as const satisfies ServerConfig;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Flags beat environment variables, which beat the JSON config file (`--config` / `OFFGRID_CONFIG`), which
 * beats the defaults. Unknown keys are refused so a typo does not silently fall back to a default.
 */
export function resolveConfig(argv: string[], env: Record<string, string | undefined> = process.env): ServerConfig {
  const { values } = parseArgs({
    args: argv, strict: true,
    options: {
      config: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, data: { type: 'string' },
      'insecure-http': { type: 'boolean' }, 'log-level': { type: 'string' }, 'cors-origin': { type: 'string', multiple: true },
      'training-concurrency': { type: 'string' }, queue: { type: 'string' }, 'queue-trials': { type: 'string' },
      accelerator: { type: 'string' },
    },
  });
  const configPath = values.config ?? env.OFFGRID_CONFIG;
  const file = configPath ? readConfigFile(configPath) : {};
  const fromEnv: Partial<ServerConfig> = {
    ...(env.OFFGRID_PORT ? { port: toPort(env.OFFGRID_PORT, 'OFFGRID_PORT') } : {}),
    ...(env.OFFGRID_HOST ? { host: env.OFFGRID_HOST } : {}),
    ...(env.OFFGRID_DATA ? { data: env.OFFGRID_DATA } : {}),
    ...(env.OFFGRID_INSECURE_HTTP ? { insecureHttp: env.OFFGRID_INSECURE_HTTP === '1' || env.OFFGRID_INSECURE_HTTP === 'true' } : {}),
    ...(env.OFFGRID_LOG_LEVEL ? { logLevel: toLogLevel(env.OFFGRID_LOG_LEVEL, 'OFFGRID_LOG_LEVEL') } : {}),
    ...(env.OFFGRID_TRAINING_CONCURRENCY ? { trainingConcurrency: toConcurrency(env.OFFGRID_TRAINING_CONCURRENCY, 'OFFGRID_TRAINING_CONCURRENCY', 0) } : {}),
    ...(env.OFFGRID_QUEUE ? { queue: toQueue(env.OFFGRID_QUEUE, 'OFFGRID_QUEUE') } : {}),
    ...(env.OFFGRID_QUEUE_TRIALS ? { queueTrials: toConcurrency(env.OFFGRID_QUEUE_TRIALS, 'OFFGRID_QUEUE_TRIALS') } : {}),
    ...(env.OFFGRID_ACCELERATOR ? { accelerator: toAccelerator(env.OFFGRID_ACCELERATOR, 'OFFGRID_ACCELERATOR') } : {}),
    ...(env.OFFGRID_CORS_ORIGINS ? { corsOrigins: env.OFFGRID_CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean) } : {}),
  };
  const fromFlags: Partial<ServerConfig> = {
    ...(values.port !== undefined ? { port: toPort(values.port, '--port') } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
    ...(values.data !== undefined ? { data: values.data } : {}),
    ...(values['insecure-http'] !== undefined ? { insecureHttp: values['insecure-http'] } : {}),
    ...(values['log-level'] !== undefined ? { logLevel: toLogLevel(values['log-level'], '--log-level') } : {}),
    ...(values['cors-origin'] !== undefined ? { corsOrigins: values['cors-origin'] } : {}),
    ...(values['training-concurrency'] !== undefined ? { trainingConcurrency: toConcurrency(values['training-concurrency'], '--training-concurrency', 0) } : {}),
    ...(values.queue !== undefined ? { queue: toQueue(values.queue, '--queue') } : {}),
    ...(values['queue-trials'] !== undefined ? { queueTrials: toConcurrency(values['queue-trials'], '--queue-trials') } : {}),
    ...(values.accelerator !== undefined ? { accelerator: toAccelerator(values.accelerator, '--accelerator') } : {}),
  };
  const config = { ...DEFAULT_CONFIG, ...file, ...fromEnv, ...fromFlags };
  // 0 cores for trials: the coordinator of a queue may leave the training to its workers; alone, nothing would ever train.
  if (config.trainingConcurrency === 0 && !config.queue) throw new ConfigError('A training concurrency of 0 needs --queue (this machine then only coordinates workers); alone, give 1 or more.');
  return config;
}

/** What `startServer` takes, from a resolved config. */
export function serveOptionsOf(config: ServerConfig): ServeOptions {
  return {
    dataDir: resolve(config.data), port: config.port, host: config.host, insecureHttp: config.insecureHttp,
    corsOrigins: config.corsOrigins, rateLimits: config.rateLimits, trainingConcurrency: config.trainingConcurrency, accelerator: config.accelerator,
    ...(config.queue ? { queue: config.queue, queueTrials: config.queueTrials } : {}),
    // Structured JSON logs (pino); the Authorization header never reaches them.
    logger: { level: config.logLevel, redact: ['req.headers.authorization', 'req.headers["sec-websocket-protocol"]'] },
  };
}

function readConfigFile(path: string): Partial<ServerConfig> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`Cannot read the config file ${path}: ${(error as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`The config file ${path} must hold a JSON object.`);
  const allowed = [...Object.keys(DEFAULT_CONFIG), 'rateLimits', 'queue'];
  const unknown = Object.keys(parsed).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) throw new ConfigError(`Unknown key(s) in ${path}: ${unknown.join(', ')}. Known keys: ${allowed.join(', ')}.`);
  const config = parsed as Partial<ServerConfig>;
  if (config.port !== undefined) toPort(String(config.port), `"port" in ${path}`);
  if (config.logLevel !== undefined) toLogLevel(config.logLevel, `"logLevel" in ${path}`);
  if (config.trainingConcurrency !== undefined) toConcurrency(String(config.trainingConcurrency), `"trainingConcurrency" in ${path}`, 0);
  if (config.queue !== undefined) toQueue(String(config.queue), `"queue" in ${path}`);
  if (config.queueTrials !== undefined) toConcurrency(String(config.queueTrials), `"queueTrials" in ${path}`);
  if (config.accelerator !== undefined) toAccelerator(String(config.accelerator), `"accelerator" in ${path}`);
  return config;
}

function toPort(value: string, where: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`${where} must be a number from 0 to 65535, got "${value}".`);
  return port;
}

function toConcurrency(value: string, where: string, min = 1): number {
  const concurrency = Number(value);
  if (!Number.isInteger(concurrency) || concurrency < min || concurrency > 64) throw new ConfigError(`${where} must be a whole number of trials from ${min} to 64, got "${value}".`);
  return concurrency;
}

/** A queue URL that cannot work is refused when the config is read, not as a reconnect loop later. */
function toQueue(value: string, where: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${where} must be a URL like redis://:<password>@<LAN address>:6379, got something that is not a URL.`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new ConfigError(`${where} must start with redis:// (or rediss:// for TLS), e.g. redis://:<password>@192.168.1.10:6379.`);
  if (!url.password) throw new ConfigError(`${where} has no password: workers on the LAN connect to this Redis, so protect it (requirepass) and give redis://:<password>@host:6379.`);
  return value;
}

export function toAccelerator(value: string, where: string): AcceleratorRequest {
  if (!(ACCELERATOR_REQUESTS as readonly string[]).includes(value)) throw new ConfigError(`${where} must be one of ${ACCELERATOR_REQUESTS.join(', ')}, got "${value}".`);
  return value as AcceleratorRequest;
}

function toLogLevel(value: string, where: string): ServerConfig['logLevel'] {
  if (!LOG_LEVELS.includes(value)) throw new ConfigError(`${where} must be one of ${LOG_LEVELS.join(', ')}, got "${value}".`);
  return value as ServerConfig['logLevel'];
}
