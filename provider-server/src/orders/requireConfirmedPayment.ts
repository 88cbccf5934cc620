import { ApiError } from "../ApiError.ts";
import { chainNow } from "../chain/chainNow.ts";
import { lookupPayment } from "../chain/lookupPayment.ts";
import type { ServerContext } from "../context.ts";
import type { OrderRecord } from "../store/orderStore.ts";
import { quoteExpired } from "./quoteExpired.ts";

/** States in which the order's content can no longer be accepted. */
const closedStates = new Set(["Refunded", "Penalized", "Completed"]);

/**
 * Content is only accepted for a paid order whose payment has the required confirmations (seed
 * steps 10–12). A confirmed payment found before the follower got to it is recorded right away.
 */
export async function requireConfirmedPayment({ ctx, order }: { ctx: ServerContext; order: OrderRecord }): Promise<void> {
  if (order.chainState !== null && closedStates.has(order.chainState)) {
    throw new ApiError("Conflict", `the order is ${order.chainState} on chain and accepts no content`);
  }
  if (order.paidTx !== null) return;
  let payment;
  let now;
  try {
    [payment, now] = await Promise.all([
      lookupPayment({ chain: ctx.chain, address: ctx.deployment.address, order, requiredConfirmations: ctx.confirmations }),
      chainNow({ chain: ctx.chain }),
    ]);
  } catch (error) {
    throw new ApiError("ChainUnavailable", "cannot reach the chain to check the payment", { cause: error });
  }
  if (!payment) {
    if (quoteExpired({ order, chainNow: now, ttlSeconds: ctx.config.pricing.quoteTtlSeconds })) throw new ApiError("OrderExpired", "the quote expired unpaid; ask for a new quote");
    throw new ApiError("OrderNotPaid", "no payment for this order yet: pay the quote first");
  }
  if (!payment.confirmed) {
    throw new ApiError(
      "OrderNotPaid",
      `payment seen in block ${payment.blockNumber}; waiting for ${payment.requiredConfirmations} confirmations (${payment.confirmations} so far)`,
    );
  }
  await ctx.store.orders.setPayment({ orderId: order.orderId, txHash: payment.txHash, blockNumber: payment.blockNumber });
}
