import type { ServerContext } from "../context.ts";
import type { OrderRecord } from "../store/orderStore.ts";

/** The bytes of an order's content the server holds: the size once σ exists, else the resumable upload's persisted offset. */
export async function readUploadOffset({ ctx, order }: { ctx: ServerContext; order: OrderRecord }): Promise<number> {
  if (order.receipt) return order.size;
  return (await ctx.store.uploads.get(order.orderId))?.offset ?? 0;
}
