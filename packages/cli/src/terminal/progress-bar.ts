/**
 * One live status block at the bottom of the terminal (progress bar + a few lines such as a leaderboard),
 * redrawn in place on a TTY and throttled to plain log lines otherwise (CI logs, pipes).
 */
export class LiveBlock {
  private drawnLines = 0;
  private lastPlain = 0;
  private lastDrawn = 0;

  /** A terminal is redrawn at most every `ttyIntervalMs` (loading calls this once per file, 60,000 times). */
  constructor(private readonly out: NodeJS.WriteStream = process.stderr, private readonly plainIntervalMs = 5000, private readonly ttyIntervalMs = 100) {}

  update(lines: string[]): void {
    if (this.out.isTTY) {
      if (Date.now() - this.lastDrawn < this.ttyIntervalMs) return;
      this.lastDrawn = Date.now();
      const width = this.out.columns || 100;
      const clipped = lines.map((line) => (line.length > width - 1 ? line.slice(0, width - 2) + '…' : line));
      this.out.write(`${this.drawnLines ? `\x1b[${this.drawnLines}F` : ''}\x1b[0J${clipped.join('\n')}\n`);
      this.drawnLines = clipped.length;
    } else if (Date.now() - this.lastPlain >= this.plainIntervalMs) {
      this.lastPlain = Date.now();
      this.out.write(`${lines[0]}\n`);
    }
  }

  /** Leaves the last block on screen and prints a line under it. */
  log(line: string): void {
    if (this.out.isTTY && this.drawnLines) {
      this.out.write(`\x1b[${this.drawnLines}F\x1b[0J`);
      this.drawnLines = 0;
    }
    this.out.write(`${line}\n`);
  }
}

export function progressBar(fraction: number, width = 28): string {
  const clamped = Math.max(0, Math.min(1, fraction));
  const full = Math.round(clamped * width);
  return `[${'█'.repeat(full)}${'░'.repeat(width - full)}] ${(clamped * 100).toFixed(0).padStart(3)}%`;
}

export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** "10m", "90s", "1h", "1h30m" or plain seconds. */
export function parseDuration(text: string): number {
  const match = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?$/.exec(text.trim());
  if (!match || text.trim() === '' || match.slice(1).every((g) => g === undefined)) {
    throw new Error(`"${text}" is not a duration; write e.g. 90s, 10m or 1h30m.`);
  }
  const [, h = '0', m = '0', s = '0'] = match;
  return Number(h) * 3600 + Number(m) * 60 + Number(s);
}
