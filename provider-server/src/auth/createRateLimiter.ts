/** The outcome of taking one token: allowed, or refused with the seconds until a token is back. */
export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

export type RateLimiter = ReturnType<typeof createRateLimiter>;

/**
 * An in-memory token bucket per key (a client IP): `capacity` requests at once, refilled at
 * `refillPerSecond`. Buckets that have refilled completely carry no information and are dropped
 * when the map grows past `maxKeys`; if it is still too large (a flood from many addresses) the
 * oldest buckets go, so memory stays bounded. Kept in memory only: a restart forgives everyone.
 */
export function createRateLimiter({
  capacity,
  refillPerSecond,
  maxKeys = 50_000,
  now = () => performance.now() / 1000,
}: {
  capacity: number;
  refillPerSecond: number;
  maxKeys?: number;
  /** Seconds on a monotonic clock (tests pass their own). */
  now?: () => number;
}) {
  const buckets = new Map<string, { tokens: number; at: number }>();

  const level = (bucket: { tokens: number; at: number }, t: number) => Math.min(capacity, bucket.tokens + (t - bucket.at) * refillPerSecond);

  function prune(t: number) {
    for (const [key, bucket] of buckets) {
      if (level(bucket, t) >= capacity) buckets.delete(key);
    }
    // Still too many: forget the oldest (Map keeps insertion order; take() re-inserts on use).
    for (const key of buckets.keys()) {
      if (buckets.size <= maxKeys / 2) break;
      buckets.delete(key);
    }
  }

  return {
    take(key: string): RateDecision {
      const t = now();
      const bucket = buckets.get(key);
      const tokens = bucket ? level(bucket, t) : capacity;
      if (tokens < 1) {
        return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / refillPerSecond)) };
      }
      if (bucket) buckets.delete(key);
      buckets.set(key, { tokens: tokens - 1, at: t });
      if (buckets.size > maxKeys) prune(t);
      return { ok: true };
    },
    /** Buckets held (tests, status). */
    get size() {
      return buckets.size;
    },
  };
}
