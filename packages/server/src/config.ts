import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
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
}

export const DEFAULT_CONFIG = {
  port: 8000, host: '0.0.0.0', data: './offgrid-data', insecureHttp: false, logLevel: 'info', corsOrigins: [], trainingConcurrency: 1,
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
      'training-concurrency': { type: 'string' },
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
    ...(env.OFFGRID_TRAINING_CONCURRENCY ? { trainingConcurrency: toConcurrency(env.OFFGRID_TRAINING_CONCURRENCY, 'OFFGRID_TRAINING_CONCURRENCY') } : {}),
    ...(env.OFFGRID_CORS_ORIGINS ? { corsOrigins: env.OFFGRID_CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean) } : {}),
  };
  const fromFlags: Partial<ServerConfig> = {
    ...(values.port !== undefined ? { port: toPort(values.port, '--port') } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
    ...(values.data !== undefined ? { data: values.data } : {}),
    ...(values['insecure-http'] !== undefined ? { insecureHttp: values['insecure-http'] } : {}),
    ...(values['log-level'] !== undefined ? { logLevel: toLogLevel(values['log-level'], '--log-level') } : {}),
    ...(values['cors-origin'] !== undefined ? { corsOrigins: values['cors-origin'] } : {}),
    ...(values['training-concurrency'] !== undefined ? { trainingConcurrency: toConcurrency(values['training-concurrency'], '--training-concurrency') } : {}),
  };
  return { ...DEFAULT_CONFIG, ...file, ...fromEnv, ...fromFlags };
}

/** What `startServer` takes, from a resolved config. */
export function serveOptionsOf(config: ServerConfig): ServeOptions {
  return {
    dataDir: resolve(config.data), port: config.port, host: config.host, insecureHttp: config.insecureHttp,
    corsOrigins: config.corsOrigins, rateLimits: config.rateLimits, trainingConcurrency: config.trainingConcurrency,
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
  const allowed = [...Object.keys(DEFAULT_CONFIG), 'rateLimits'];
  const unknown = Object.keys(parsed).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) throw new ConfigError(`Unknown key(s) in ${path}: ${unknown.join(', ')}. Known keys: ${allowed.join(', ')}.`);
  const config = parsed as Partial<ServerConfig>;
  if (config.port !== undefined) toPort(String(config.port), `"port" in ${path}`);
  if (config.logLevel !== undefined) toLogLevel(config.logLevel, `"logLevel" in ${path}`);
  if (config.trainingConcurrency !== undefined) toConcurrency(String(config.trainingConcurrency), `"trainingConcurrency" in ${path}`);
  return config;
}

function toPort(value: string, where: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`${where} must be a number from 0 to 65535, got "${value}".`);
  return port;
}

function toConcurrency(value: string, where: string): number {
  const concurrency = Number(value);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new ConfigError(`${where} must be a whole number of trials from 1 to 64, got "${value}".`);
  return concurrency;
}

function toLogLevel(value: string, where: string): ServerConfig['logLevel'] {
  if (!LOG_LEVELS.includes(value)) throw new ConfigError(`${where} must be one of ${LOG_LEVELS.join(', ')}, got "${value}".`);
  return value as ServerConfig['logLevel'];
}
