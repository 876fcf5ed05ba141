import { statfsSync } from 'node:fs';
import { OffgridError } from '../errors.ts';

/** What a full disk (or a spent quota) looks like: from Node's fs calls, and from SQLite through better-sqlite3. */
const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

export function isDiskFull(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && DISK_FULL_CODES.has(code);
}

/**
 * 507 with what to free: the data directory's disk, how much it has left and, when known, how much the write
 * needed. Nothing of the refused request is kept (blob temp files are removed, SQLite rolls the transaction back),
 * so the same request works once space is freed, without a restart.
 */
export function diskFullError(dataDir: string, neededBytes?: number): OffgridError {
  const free = freeBytes(dataDir);
  const figures = [free === undefined ? '' : `${formatBytes(free)} free`, neededBytes === undefined ? '' : `this needs at least ${formatBytes(neededBytes)}`].filter(Boolean);
  return new OffgridError('INSUFFICIENT_STORAGE',
    `The disk holding the data directory ${dataDir} is full${figures.length ? ` (${figures.join('; ')})` : ''}. Nothing was stored. ` +
    'Free space on that disk (delete files you no longer need there, or move the data directory to a larger disk), then try again; no restart is needed.');
}

function freeBytes(dataDir: string): number | undefined {
  try {
    const stats = statfsSync(dataDir);
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}

/** "1.25 MB": sizes as the server's messages and the CLI write them. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}
