import type { Hex } from "viem";
import type { ServerContext } from "../context.ts";

/**
 * Whether content for the order is being received right now, on this instance or on any other
 * sharing the database: a request of this process holds it (`busyOrders`), or a live writer lease
 * is recorded in the `uploads` row (a `PATCH`, or a `PUT` on another instance).
 */
export async function uploadInProgress({ ctx, orderId, now = Date.now() }: { ctx: ServerContext; orderId: Hex; now?: number }): Promise<boolean> {
  if (ctx.busyOrders.has(orderId)) return true;
  const row = await ctx.store.uploads.get(orderId);
  return row !== undefined && row.leaseToken !== null && row.leaseUntil > now;
}
