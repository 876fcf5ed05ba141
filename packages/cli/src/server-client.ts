// Connecting the CLI to a running Offgrid server: --server/--key/--ca/--insecure (or OFFGRID_* variables),
// shared by `offgrid export` and `offgrid import`.
import { readFileSync } from 'node:fs';
import { Agent, fetch as undiciFetch } from 'undici';
import { OffgridApiError, OffgridClient, type FetchLike } from '@offgrid/sdk';

/** parseArgs options of every command that talks to a server. */
export const SERVER_OPTIONS = {
  server: { type: 'string' },
  key: { type: 'string' },
  ca: { type: 'string' },
  insecure: { type: 'boolean', default: false },
} as const;

export interface ServerFlags {
  server?: string;
  key?: string;
  ca?: string;
  insecure?: boolean;
}

export const SERVER_USAGE = '--server <url> --key <adminKey> [--ca <ca.crt>] [--insecure]';

/**
 * An SDK client for the server the flags name. The server's HTTPS certificate comes from its own certificate
 * authority: trust it with --ca (its data directory's tls/ca.crt, or /ca.crt of the server). Verification is
 * never turned off unless --insecure is given, and then a warning says so.
 */
export function serverClient(flags: ServerFlags, env: NodeJS.ProcessEnv = process.env, warn = (line: string) => process.stderr.write(`${line}\n`)): OffgridClient {
  const server = flags.server ?? env.OFFGRID_SERVER;
  const apiKey = flags.key ?? env.OFFGRID_KEY;
  if (!server) throw new Error(`No server given: pass --server https://<workstation>:8000 (or set OFFGRID_SERVER).`);
  if (!/^https?:\/\//.test(server)) throw new Error(`--server "${server}" is not an http:// or https:// URL.`);
  if (!apiKey) throw new Error('No API key given: pass --key <admin key> (or set OFFGRID_KEY); `offgrid serve` prints the admin key at its first start.');
  const caFile = flags.ca ?? env.OFFGRID_CA;
  let dispatcher: Agent | undefined;
  if (flags.insecure) {
    warn('offgrid: warning: --insecure: the server certificate is NOT verified; anyone on the network could read the key and the data.');
    dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
  } else if (caFile) {
    let ca: string;
    try {
      ca = readFileSync(caFile, 'utf8');
    } catch (error) {
      throw new Error(`Cannot read the CA certificate ${caFile} (--ca / OFFGRID_CA): ${(error as Error).message}`, { cause: error });
    }
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`${caFile} (--ca / OFFGRID_CA) is not a PEM certificate.`);
    dispatcher = new Agent({ connect: { ca } });
  }
  // undici's own fetch with its own Agent: the only way to give Node's fetch a CA of our choosing.
  const fetch = ((input, init) => undiciFetch(input, { ...(init as object), ...(dispatcher ? { dispatcher } : {}) })) as FetchLike;
  return new OffgridClient({ baseUrl: server, apiKey, fetch });
}

/** The error as one line that says what to do about it (bad key, untrusted certificate, unreachable server). */
export function explainServerError(error: unknown): string {
  if (!(error instanceof OffgridApiError)) return (error as Error).message;
  if (error.status === 401) return `${error.message} (check --key / OFFGRID_KEY: it must be a valid admin key)`;
  if (error.status === 403) return `${error.message} (use the admin key printed at the server's first start)`;
  const tls = error.status === 0 ? tlsFailure(error.cause) : undefined;
  if (tls) {
    return `The server's certificate is not trusted (${tls.message}). Trust the server's certificate authority with --ca <its data dir>/tls/ca.crt (also served at /ca.crt; compare the fingerprint \`offgrid serve\` prints) or OFFGRID_CA.`;
  }
  return error.message;
}

/** The certificate error inside fetch's cause chain (Node's TLS codes), if that is why the request failed. */
function tlsFailure(cause: unknown): Error | undefined {
  for (let current = cause; current instanceof Error; current = current.cause) {
    const code = (current as NodeJS.ErrnoException).code ?? '';
    if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) return current;
  }
  return undefined;
}

export { formatBytes } from '@offgrid/server';
