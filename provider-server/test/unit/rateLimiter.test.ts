import { describe, expect, it } from "vitest";
import { createRateLimiter } from "../../src/auth/createRateLimiter.ts";

describe("token bucket rate limiter", () => {
  it("allows a burst, then refills at the configured rate, per key", () => {
    let t = 1000;
    const limiter = createRateLimiter({ capacity: 3, refillPerSecond: 0.5, now: () => t });
    expect([1, 2, 3].map(() => limiter.take("a").ok)).toEqual([true, true, true]);
    expect(limiter.take("a")).toEqual({ ok: false, retryAfterSeconds: 2 });
    expect(limiter.take("b").ok).toBe(true); // another IP has its own bucket
    t += 1;
    expect(limiter.take("a")).toEqual({ ok: false, retryAfterSeconds: 1 });
    t += 1;
    expect(limiter.take("a").ok).toBe(true);
    expect(limiter.take("a").ok).toBe(false);
    t += 100; // never more than the capacity
    expect([1, 2, 3, 4].map(() => limiter.take("a").ok)).toEqual([true, true, true, false]);
  });

  it("keeps memory bounded: full buckets and then the oldest are forgotten", () => {
    let t = 0;
    const limiter = createRateLimiter({ capacity: 2, refillPerSecond: 1, maxKeys: 100, now: () => t });
    for (let i = 0; i < 1000; i++) limiter.take(`ip${i}`);
    expect(limiter.size).toBeLessThanOrEqual(100);
    t += 10;
    limiter.take("late");
    for (let i = 0; i < 100; i++) limiter.take(`again${i}`);
    expect(limiter.size).toBeLessThanOrEqual(100);
  });
});
