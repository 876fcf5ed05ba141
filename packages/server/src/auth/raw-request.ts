import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** What a raw request got back; `routed` is false when no route matched (the not-found handler's "No route" answer). */
export interface RawAnswer {
  status: number;
  text: string;
  routed: boolean;
}

/**
 * Sends `target` as the request line's target byte for byte: `fetch` and URL objects normalize `..`, `//` and
 * absolute forms away, which is exactly what an attacker would not do. For tests.
 */
export function rawRequest(baseUrl: string, method: string, target: string, options: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<RawAnswer> {
  const base = new URL(baseUrl);
  const send = base.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send({
      host: base.hostname, port: base.port, method, path: target, rejectUnauthorized: false, agent: false,
      headers: { host: base.host, connection: 'close', ...options.headers },
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: response.statusCode ?? 0, text, routed: !(response.statusCode === 404 && text.includes('"No route ')) });
      });
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

/** The ways one path can be written that a router may or may not fold into the same route. */
export function pathSpellings(path: string, baseUrl: string): Record<string, string> {
  const encodeLetter = (c: string) => `%${c.charCodeAt(0).toString(16)}`;
  const segments = path.split('/');
  return {
    'canonical': path,
    'percent-encoded first letter': segments.map((s) => s.replace(/^[a-z]/i, encodeLetter)).join('/'),
    'percent-encoded every letter': path.replace(/[a-z]/gi, encodeLetter),
    'percent-encoded slashes': `/${segments.slice(1).join('%2F')}`,
    'double slash at the start': `/${path}`,
    'double slash inside': path.replace('/v1/', '//v1/'),
    'dot-segment': path.replace('/v1/', '/v1/x/../'),
    'encoded dot-segment': path.replace('/v1/', '/v1/x/%2e%2e/'),
    'trailing slash': `${path}/`,
    'absolute-form': `${baseUrl}${path}`,
    'mixed case': path.replace(/[a-z]/g, (c, i: number) => (i % 2 ? c.toUpperCase() : c)),
  };
}
