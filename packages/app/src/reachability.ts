// Is the workstation reachable? Re-checked in the background with GET /health: often while it is away (so
// queued uploads resume soon after it is back), rarely while it is there, never while the app is hidden.
import type { OffgridClient } from '@offgrid/sdk';

export type ReachabilityState = 'checking' | 'online' | 'offline';

export interface ReachabilityOptions {
  onlineIntervalMs: number;
  offlineIntervalMs: number;
  timeoutMs: number;
}

const DEFAULTS: ReachabilityOptions = { onlineIntervalMs: 15_000, offlineIntervalMs: 4_000, timeoutMs: 4_000 };

export class Reachability {
  state: ReachabilityState = 'checking';
  lastCheckedAt: number | undefined;
  private readonly options: ReachabilityOptions;
  private readonly listeners = new Set<(state: ReachabilityState, previous: ReachabilityState) => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private checking: Promise<ReachabilityState> | undefined;
  private started = false;

  constructor(
    private readonly client: OffgridClient,
    options: Partial<ReachabilityOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    const recheck = () => void this.checkNow();
    window.addEventListener('online', recheck);
    window.addEventListener('offline', () => this.set('offline'));
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') recheck();
    });
    recheck();
  }

  /** Checks now (coalesced with a check in flight) and reschedules the next one. */
  checkNow(): Promise<ReachabilityState> {
    this.checking ??= (async () => {
      try {
        await this.client.health({ signal: AbortSignal.timeout(this.options.timeoutMs) });
        this.set('online');
      } catch {
        this.set('offline');
      } finally {
        this.lastCheckedAt = Date.now();
        this.checking = undefined;
        this.schedule();
      }
      return this.state;
    })();
    return this.checking;
  }

  /** What another request just learned (an upload failed to connect, a download worked). */
  report(reachable: boolean): void {
    this.set(reachable ? 'online' : 'offline');
    this.schedule();
  }

  subscribe(listener: (state: ReachabilityState, previous: ReachabilityState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(state: ReachabilityState): void {
    const previous = this.state;
    if (previous === state) return;
    this.state = state;
    this.listeners.forEach((listener) => listener(state, previous));
  }

  private schedule(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    const delay = this.state === 'online' ? this.options.onlineIntervalMs : this.options.offlineIntervalMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (document.visibilityState === 'hidden') return; // resumes on visibilitychange
      void this.checkNow();
    }, delay);
  }
}
