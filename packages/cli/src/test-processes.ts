import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/offgrid.mjs', import.meta.url));

/** An `offgrid` command as its own process, its output kept line by line so a test can wait for one. */
export interface CliProcess {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the first line (already printed or still to come) that matches; rejects on exit or timeout. */
  waitFor(pattern: RegExp, timeoutMs?: number, from?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
  /** SIGTERM and wait; a process already gone is fine. */
  stop(): Promise<void>;
}

export function startCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let partial = '';
  const onData = (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    for (const check of waiters) check();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { for (const check of waiters) check(); resolve(code); }));
  child.on('error', () => undefined);
  return {
    child, lines, exited,
    waitFor(pattern, timeoutMs = 60_000, from = 0) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => { waiters.delete(check); reject(new Error(`No line matching ${pattern} in ${timeoutMs} ms from \`offgrid ${args[0]}\`:\n${lines.slice(-30).join('\n')}`)); }, timeoutMs);
        const check = () => {
          for (const line of lines.slice(from)) {
            const match = pattern.exec(line);
            if (match) { clearTimeout(timer); waiters.delete(check); return resolve(match); }
          }
          if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer); waiters.delete(check);
            reject(new Error(`\`offgrid ${args[0]}\` exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${lines.slice(-30).join('\n')}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
