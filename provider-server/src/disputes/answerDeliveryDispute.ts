import { orderStateName, serverContractAbi } from "@pekanu/protocol";
import type { Hex } from "viem";
import type { ServerContext } from "../context.ts";
import { type OrderRecord, quoteOf } from "../store/orderStore.ts";

export type AnswerOutcome =
  | { kind: "sent"; txHash: Hex; action: string }
  | { kind: "obsolete"; reason: string }
  | { kind: "impossible"; reason: string };

/**
 * A client disputed delivery: if the content was accepted (σ issued), publish σ and L on chain;
 * if it never arrived, refund the price. The on-chain state is read first, so an answer already
 * mined (e.g. before a restart) is not sent again.
 */
export async function answerDeliveryDispute({ ctx, order }: { ctx: ServerContext; order: OrderRecord }): Promise<AnswerOutcome> {
  const contract = { address: ctx.deployment.address, abi: serverContractAbi } as const;
  const [[state], [deadline], block] = await Promise.all([
    ctx.chain.publicClient.readContract({ ...contract, functionName: "orderOf", args: [order.orderId] }),
    ctx.chain.publicClient.readContract({ ...contract, functionName: "pendingOf", args: [order.orderId] }),
    ctx.chain.publicClient.getBlock({ blockTag: "latest" }),
  ]);
  const name = orderStateName(state);
  if (name !== "DeliveryDisputed") return { kind: "obsolete", reason: `order is ${name}` };
  // The contract refuses late answers; past the deadline the client is owed the penalty.
  if (block.timestamp > deadline) return { kind: "impossible", reason: `the dispute's deadline ${deadline} has passed` };
  const quote = quoteOf(order);
  if (order.receipt) {
    const txHash = await ctx.txSender.submit({
      functionName: "publishReceipt",
      args: [quote, order.receipt.link, order.receipt.signature],
    });
    return { kind: "sent", txHash, action: "publishReceipt" };
  }
  const txHash = await ctx.txSender.submit({ functionName: "refund", args: [quote] });
  return { kind: "sent", txHash, action: "refund" };
}
