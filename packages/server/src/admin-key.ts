import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the first admin key is kept when no person is watching the output (in the data directory). */
export const ADMIN_KEY_FILE = 'admin-key.txt';

/** How the first admin key reaches whoever started the server: on the terminal, or as the path of a private file. */
export type AdminKeyNotice = { adminKey: string } | { adminKeyFile: string };

/**
 * A terminal is a person: the key is shown once. Anything else (a pipe, a log file, systemd's journal, `docker logs`)
 * keeps what it is given next to the logs, so the key goes to `<dataDir>/admin-key.txt`, readable by the server's
 * user only, and only that path is printed.
 */
export function announceAdminKey(dataDir: string, adminKey: string, isTerminal: boolean): AdminKeyNotice {
  if (isTerminal) return { adminKey };
  const path = join(dataDir, ADMIN_KEY_FILE);
  // Created anew ('wx'), so an older file's wider mode is never reused; chmod because a umask can take bits away, not add them.
  rmSync(path, { force: true });
  writeFileSync(path, `${adminKey}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return { adminKeyFile: path };
}
