/** A token bucket: `burst` requests at once, refilled at `perSecond`. */
export interface BucketOptions {
  burst: number;
  perSecond: number;
}

export interface RateLimitOptions {
  /** Per API key. Generous: a phone flushing its outbox uploads as fast as the server answers. */
  perKey: BucketOptions;
  /** Per client address, for requests without a valid key (pairing exchange, wrong keys): slows down guessing. */
  perAddress: BucketOptions;
}

export const DEFAULT_RATE_LIMITS = {
  perKey: { burst: 600, perSecond: 100 },
  perAddress: { burst: 120, perSecond: 2 },
} as const satisfies RateLimitOptions;

/** Buckets not touched for this long are full again and can be forgotten. */
const FORGET_AFTER_MS = 10 * 60 * 1000;

/** In-memory token buckets by id; precise enough for one server process, nothing to persist. */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(readonly options: BucketOptions) {}

  /** Takes one token; returns 0 when allowed, else the seconds until a token is available. */
  take(id: string, now = Date.now()): number {
    const { burst, perSecond } = this.options;
    const bucket = this.buckets.get(id) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    this.buckets.set(id, bucket);
    if (this.buckets.size > 10_000) this.forgetIdle(now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
  }

  private forgetIdle(now: number): void {
    for (const [id, bucket] of this.buckets) if (now - bucket.at > FORGET_AFTER_MS) this.buckets.delete(id);
  }
}
