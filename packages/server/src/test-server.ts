import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer, type ServeOptions } from './serve.ts';

export interface TestServer {
  server: RunningServer;
  baseUrl: string;
  dataDir: string;
  adminKey: string;
  /** fetch against the API with the admin key unless another (or none) is given. */
  api(path: string, init?: RequestInit & { key?: string | null }): Promise<Response>;
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/** A real server on a real socket (port 0) with a fresh data directory; plain HTTP unless `https` is asked for. */
export async function startTestServer(options: Partial<ServeOptions> & { dataDir?: string } = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'offgrid-test-'));
  const server = await startServer({ port: 0, host: '127.0.0.1', insecureHttp: true, ...options, dataDir });
  const baseUrl = server.urls[0];
  const adminKey = server.adminKey ?? '';
  return {
    server, baseUrl, dataDir, adminKey,
    api(path, init = {}) {
      const { key = adminKey, headers, ...rest } = init;
      return fetch(`${baseUrl}/api/v1${path}`, { ...rest, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(headers as Record<string, string>) } });
    },
    async stop({ keepData = false } = {}) {
      await server.close();
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export { motionBytes, motionRecording, wavTone } from './samples/test-samples.ts';
