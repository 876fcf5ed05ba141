import type { FastifyRequest, FastifyServerOptions } from 'fastify';

/** Query parameters whose values are secrets: the pairing link's `?pair=`, and any key or token a client puts in a URL. */
const SECRET_PARAM = /^(pair|token|key|api[-_]?key|access[-_]?token|secret|password)$/i;
const REDACTED = '[REDACTED]';

/** `/?pair=abc&x=1` → `/?pair=[REDACTED]&x=1`: the access log keeps the path and harmless parameters. */
export function redactUrl(url: string): string {
  const query = url.indexOf('?');
  if (query === -1) return url;
  const params = url.slice(query + 1).split('&').map((param) => {
    const equals = param.indexOf('=');
    const name = equals === -1 ? param : param.slice(0, equals);
    return equals !== -1 && SECRET_PARAM.test(safeDecode(name)) ? `${name}=${REDACTED}` : param;
  });
  return `${url.slice(0, query)}?${params.join('&')}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** Fastify's own request serializer (lib/logger-pino.js), with the URL's secrets redacted. */
function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    version: request.headers?.['accept-version'] as string | undefined,
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

type LoggerOption = FastifyServerOptions['logger'];

/**
 * Every logger the app builds logs requests through `serializeRequest`, whoever configured it (the CLI, main.ts,
 * a test): a pairing link opened on a phone must not leave a usable token in the access log.
 */
export function withRedactedUrls(logger: LoggerOption): LoggerOption {
  if (!logger) return false;
  const options = logger === true ? {} : logger;
  return { ...options, serializers: { ...options.serializers, req: serializeRequest } };
}
