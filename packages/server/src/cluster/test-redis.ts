import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** A real redis-server for one test file: loopback, a random free port, a password, its own folder. */
export interface TestRedis {
  url: string;
  port: number;
  password: string;
  /** Stops it (SIGTERM); `start()` brings it back on the same port, folder and password. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  close(): Promise<void>;
  /** One command as the admin (the default user), e.g. `call('CLIENT', 'LIST')`: what a test checks on the server's side. */
  call(command: string, ...args: string[]): Promise<unknown>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** `appendonly`: keep what is queued across a restart (Redis persists to its folder), as a restart test needs. */
export async function startTestRedis(options: { appendonly?: boolean } = {}): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'offgrid-redis-'));
  const port = await freePort();
  const password = `test-${Math.random().toString(36).slice(2)}`;
  let child: ChildProcess | undefined;
  const start = () => new Promise<void>((resolve, reject) => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', password, '--dir', dir, '--save', '', '--appendonly', options.appendonly ? 'yes' : 'no'];
    const started = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    };
    started.stdout.on('data', onData);
    started.stderr.on('data', onData);
    started.on('error', (error) => reject(new Error(`Cannot start redis-server (${error.message}): install it with \`apt-get install -y redis-server\`.`, { cause: error })));
    started.on('exit', (code) => reject(new Error(`redis-server exited with code ${code} before it was ready:\n${output.slice(-2000)}`)));
  });
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => { running.once('exit', () => resolve()); running.kill('SIGTERM'); });
  };
  await start();
  let admin: Redis | undefined;
  return {
    url: `redis://:${password}@127.0.0.1:${port}`, port, password, start, stop,
    call(command, ...args) {
      if (!admin) {
        admin = new Redis({ port, password, maxRetriesPerRequest: null });
        admin.on('error', () => undefined); // it reconnects through stop() and start()
      }
      return admin.call(command, ...args);
    },
    async close() {
      admin?.disconnect();
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
