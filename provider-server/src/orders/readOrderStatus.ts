import { orderStateName, serverContractAbi } from "@pekanu/protocol";
import type { OrderResponse } from "@pekanu/protocol";
import { chainNow } from "../chain/chainNow.ts";
import { lookupPayment, type PaymentView } from "../chain/lookupPayment.ts";
import type { ServerContext } from "../context.ts";
import type { OrderRecord } from "../store/orderStore.ts";
import { orderView } from "./orderView.ts";

/**
 * One order with live chain facts: payment and confirmations, and the contract's state. When the
 * RPC is unreachable it answers from the database (what the event follower last applied).
 */
export async function readOrderStatus({ ctx, order }: { ctx: ServerContext; order: OrderRecord }): Promise<OrderResponse> {
  try {
    const [payment, [state], now] = await Promise.all([
      lookupPayment({ chain: ctx.chain, address: ctx.deployment.address, order, requiredConfirmations: ctx.confirmations }),
      ctx.chain.publicClient.readContract({
        address: ctx.deployment.address,
        abi: serverContractAbi,
        functionName: "orderOf",
        args: [order.orderId],
      }),
      chainNow({ chain: ctx.chain }),
    ]);
    return orderView({ order, payment, chainState: orderStateName(state), now, ttlSeconds: ctx.config.pricing.quoteTtlSeconds });
  } catch (error) {
    ctx.log.warn({ err: (error as Error).message, orderId: order.orderId }, "order status from the database (RPC unavailable)");
    return orderView({ order, payment: storedPayment({ ctx, order }), chainState: order.chainState, now: Math.floor(Date.now() / 1000), ttlSeconds: ctx.config.pricing.quoteTtlSeconds });
  }
}

/** The payment the follower recorded, with confirmations counted against the last head it saw. */
export function storedPayment({ ctx, order }: { ctx: ServerContext; order: OrderRecord }): PaymentView | null {
  if (order.paidTx === null || order.paidBlock === null) return null;
  const head = ctx.follower.status().headBlock ?? ctx.follower.status().lastProcessedBlock;
  // Recorded payments were confirmed when recorded (the follower only applies confirmed blocks).
  const confirmations = Math.max(ctx.confirmations, head - order.paidBlock + 1);
  return { txHash: order.paidTx, blockNumber: order.paidBlock, confirmations, requiredConfirmations: ctx.confirmations, confirmed: true };
}
