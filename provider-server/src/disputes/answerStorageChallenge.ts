import { orderStateName, serverContractAbi } from "@pekanu/protocol";
import { proveFileChunk } from "@pekanu/protocol/node";
import { type Hex, toHex } from "viem";
import type { ServerContext } from "../context.ts";
import type { OrderRecord } from "../store/orderStore.ts";
import type { AnswerOutcome } from "./answerDeliveryDispute.ts";

/**
 * A client challenged storage: read the chunk indices it named (pendingOf), prove each chunk from
 * the blob and answer with respondStorage (one chunk and proof per index, in the named order, and
 * the order's client, who is credited what the answer's gas leaves of the bond). A
 * missing or corrupt blob cannot be proven: the outcome is "impossible" and the client will be able
 * to claim the penalty, which is the protocol working as intended.
 */
export async function answerStorageChallenge({ ctx, order }: { ctx: ServerContext; order: OrderRecord }): Promise<AnswerOutcome> {
  const contract = { address: ctx.deployment.address, abi: serverContractAbi } as const;
  const [[state], [deadline, , , chunkIndices], block] = await Promise.all([
    ctx.chain.publicClient.readContract({ ...contract, functionName: "orderOf", args: [order.orderId] }),
    ctx.chain.publicClient.readContract({ ...contract, functionName: "pendingOf", args: [order.orderId] }),
    ctx.chain.publicClient.getBlock({ blockTag: "latest" }),
  ]);
  const name = orderStateName(state);
  if (name !== "Challenged") return { kind: "obsolete", reason: `order is ${name}` };
  if (block.timestamp > deadline) return { kind: "impossible", reason: `the challenge's deadline ${deadline} has passed` };
  if (!(await ctx.blobs.has(order.fileRoot))) return { kind: "impossible", reason: `blob ${order.fileRoot} is missing` };
  const chunks: Hex[] = [];
  const proofs: Hex[][] = [];
  for (const chunkIndex of chunkIndices) {
    let proof;
    try {
      proof = await proveFileChunk({ path: ctx.blobs.blobPath(order.fileRoot), index: Number(chunkIndex) });
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
  });
  return { kind: "sent", txHash, action: "respondStorage" };
}
