import { orderStateName, serverContractAbi } from "@pekanu/protocol";
import type { Hex } from "viem";
import type { ServerContext } from "../context.ts";
import { type OrderRecord, quoteOf } from "../store/orderStore.ts";

export type AnswerOutcome =
  | { kind: "sent"; txHash: Hex; action: string }
  | { kind: "obsolete"; reason: string }
  | { kind: "impossible"; reason: string }
  /** Not yet: look again at `until` (chain time), still well before the deadline. */
  | { kind: "later"; until: number; reason: string };

/**
 * How long before its deadline a delivery dispute is answered at the latest while content for the
 * order is still arriving: half the response window, at most an hour. An upload that finishes
 * before then is answered with σ; one still running (or stalled) then gets a refund, in time.
 */
export function refundMarginSeconds(responseWindow: bigint): number {
  return Math.min(Math.floor(Number(responseWindow) / 2), 3600);
}

/**
 * A client disputed delivery: if the content was accepted (σ issued), publish σ and L on chain;
 * if it never arrived, refund the price. The on-chain state is read first, so an answer already
 * mined (e.g. before a restart) is not sent again. While an upload for the order is in progress
 * the answer waits for it, but never past `deadline − refundMarginSeconds`: a client that stalls
 * its upload with the connection open gets its refund, and no fine.
 */
export async function answerDeliveryDispute({ ctx, order, now }: { ctx: ServerContext; order: OrderRecord; now: number }): Promise<AnswerOutcome> {
  const contract = { address: ctx.deployment.address, abi: serverContractAbi } as const;
  const [[state], [deadlineRaw]] = await Promise.all([
    ctx.chain.publicClient.readContract({ ...contract, functionName: "orderOf", args: [order.orderId] }),
    ctx.chain.publicClient.readContract({ ...contract, functionName: "pendingOf", args: [order.orderId] }),
  ]);
  const name = orderStateName(state);
  if (name !== "DeliveryDisputed") return { kind: "obsolete", reason: `order is ${name}` };
  const deadline = Number(deadlineRaw);
  // The contract refuses late answers; past the deadline the client is owed the penalty.
  if (now > deadline) return { kind: "impossible", reason: `the dispute's deadline ${deadline} has passed` };
  const window = { deadline, openedAt: deadline - Number(ctx.contract.params.responseWindow) };
  // σ may be issued any moment now: read the order again rather than trusting the caller's copy.
  const current = (await ctx.store.orders.get(order.orderId)) ?? order;
  if (!current.receipt && ctx.busyOrders.has(order.orderId)) {
    const last = deadline - refundMarginSeconds(ctx.contract.params.responseWindow);
    if (now < last) return { kind: "later", until: Math.min(now + 2, last), reason: "content for the order is arriving" };
  }
  const quote = quoteOf(current);
  if (current.receipt) {
    const txHash = await ctx.txSender.submit({
      functionName: "publishReceipt",
      args: [quote, current.receipt.link, current.receipt.signature],
      window,
      label: `publishReceipt ${order.orderId}`,
    });
    return { kind: "sent", txHash, action: "publishReceipt" };
  }
  const txHash = await ctx.txSender.submit({ functionName: "refund", args: [quote], window, label: `refund ${order.orderId}` });
  return { kind: "sent", txHash, action: "refund" };
}
