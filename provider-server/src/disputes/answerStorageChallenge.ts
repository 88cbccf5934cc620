import { orderStateName, serverContractAbi } from "@pekanu/protocol";
import { type Hex, toHex } from "viem";
import { proveStoredChunk } from "../blobs/proveStoredChunk.ts";
import type { ServerContext } from "../context.ts";
import type { OrderRecord } from "../store/orderStore.ts";
import type { AnswerOutcome } from "./answerDeliveryDispute.ts";

/**
 * A client challenged storage naming chunk indices (contract v2: `StorageChallenged(orderId,
 * chunkIndices, deadline)`): read them (pendingOf), prove each chunk from the blob — reading only
 * the chunk's 256 KiB block and the stored tree's hashes through the blob store (proveStoredChunk) — and answer with
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
    let proof;
    try {
      proof = await proveStoredChunk({ blobs: ctx.blobs, fileRoot: order.fileRoot, index: Number(chunkIndex) });
    } catch (error) {
      return { kind: "impossible", reason: `cannot prove chunk ${chunkIndex}: ${(error as Error).message}` };
    }
    if (proof.root !== order.fileRoot || proof.size !== order.size) {
      return { kind: "impossible", reason: `blob ${order.fileRoot} is corrupt (its root is ${proof.root}, size ${proof.size})` };
    }
    chunks.push(toHex(proof.chunk));
    proofs.push(proof.proof);
  }
  const txHash = await ctx.txSender.submit({
    functionName: "respondStorage",
    args: [order.orderId, BigInt(order.size), chunks, proofs, order.client],
    window: { deadline, openedAt: deadline - Number(ctx.contract.params.responseWindow) },
    label: `respondStorage ${order.orderId}`,
  });
  return { kind: "sent", txHash, action: "respondStorage" };
}
