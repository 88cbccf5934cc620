import type { OrderRecord } from "../store/orderStore.ts";

/**
 * Whether an unpaid quote can no longer be paid: its time to live has passed on the wall clock
 * (counted from when it was issued), or the chain's clock (`chainNow`: the later of the wall clock
 * and the latest block) is past its `expiresAt`. The wall clock decides on an idle dev chain whose
 * last block is old or whose clock was pushed ahead: the next block will be stamped with the
 * current time, not the last block's.
 */
export function quoteExpired({ order, chainNow, ttlSeconds, wallNow = Math.floor(Date.now() / 1000) }: { order: OrderRecord; chainNow: number; ttlSeconds: number; wallNow?: number }): boolean {
  return chainNow > order.expiresAt || wallNow > order.quotedAt + ttlSeconds;
}
