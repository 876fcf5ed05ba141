import type { FastifyInstance } from 'fastify';

/**
 * The app's pages and scripts (workers take the policy of their own script's response): same-origin code only,
 * wasm compilation for LiteRT.js, blob: for the microphone's AudioWorklet and LiteRT.js's thread workers, camera
 * and audio previews from blob:/data:, and no framing.
 */
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval' blob:",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Everything that is not a page or a script (JSON, model files, images): nothing may run or load from it. */
export const NOT_A_PAGE_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox";

/** The Swagger UI page's own needs (its files are same-origin; it sets inline styles). */
export const DOCS_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/**
 * Headers every answer carries. A route that sets its own Content-Security-Policy (report.html, the docs page)
 * keeps it; otherwise the policy follows what the answer is. COOP/COEP make the page cross-origin isolated, which
 * LiteRT.js's threaded wasm needs. HSTS only over HTTPS (browsers ignore it on plain HTTP and for IP addresses).
 */
export function securityHeaders(app: FastifyInstance, { https }: { https: boolean }): void {
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cross-origin-opener-policy', 'same-origin')
      .header('cross-origin-embedder-policy', 'require-corp')
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'no-referrer');
    if (https) reply.header('strict-transport-security', 'max-age=31536000');
    if (!reply.hasHeader('content-security-policy')) {
      const type = String(reply.getHeader('content-type') ?? '');
      reply.header('content-security-policy', /html|javascript/.test(type) ? APP_CSP : NOT_A_PAGE_CSP);
    }
  });
}
