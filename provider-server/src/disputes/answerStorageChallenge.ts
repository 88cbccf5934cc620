import { orderStateName, serverContractAbi } from "@pekanu/protocol";
import { type Hex, toHex } from "viem";
import type { ServerContext } from "../context.ts";
import type { OrderRecord } from "../store/orderStore.ts";
import type { AnswerOutcome } from "./answerDeliveryDispute.ts";
import { proveBlobChunk } from "./proveBlobChunk.ts";

/**
 * A client challenged storage naming chunk indices (contract v2: `StorageChallenged(orderId,
 * chunkIndices, deadline)`): read them (pendingOf), prove each chunk from the blob — reading only
 * the chunk's 64 KiB block and the stored tree's hashes — and answer with
 * `respondStorage(orderId, size, chunks, proofs, client)`, one chunk and proof per index in the
 * named order, and the order's client, who is credited what the answer's gas leaves of the bond. A missing or corrupt blob cannot be proven: the outcome is "impossible" and the client
 * will be able to claim the penalty, which is the protocol working as intended.
 */
export async function answerStorageChallenge({ ctx, order, now }: { ctx: ServerContext; order: OrderRecord; now: number }): Promise<AnswerOutcome> {
  const contract = { address: ctx.deployment.address, abi: serverContractAbi } as const;
  // One read: pendingOf's deadline is 0 unless the order is DeliveryDisputed or Challenged, and a
  // delivered order (one with σ, which a challenge needs) cannot be disputed any more.
  const [deadlineRaw, , , chunkIndices] = await ctx.chain.publicClient.readContract({ ...contract, functionName: "pendingOf", args: [order.orderId] });
  if (deadlineRaw === 0n) {
    const [state] = await ctx.chain.publicClient.readContract({ ...contract, functionName: "orderOf", args: [order.orderId] });
    return { kind: "obsolete", reason: `order is ${orderStateName(state)}` };
  }
  const deadline = Number(deadlineRaw);
  if (now > deadline) return { kind: "impossible", reason: `the challenge's deadline ${deadline} has passed` };
  const chunks: Hex[] = [];
  const proofs: Hex[][] = [];
  for (const chunkIndex of chunkIndices) {
    const proved = await proveBlobChunk({ ctx, fileRoot: order.fileRoot, size: order.size, index: Number(chunkIndex) });
    if (proved.kind === "impossible") return proved;
    chunks.push(toHex(proved.proof.chunk));
    proofs.push(proved.proof.proof);
  }
  const txHash = await ctx.txSender.submit({
    functionName: "respondStorage",
    args: [order.orderId, BigInt(order.size), chunks, proofs, order.client],
    window: { deadline, openedAt: deadline - Number(ctx.contract.params.responseWindow) },
    label: `respondStorage ${order.orderId}`,
  });
  return { kind: "sent", txHash, action: "respondStorage" };
}
