import { orderStateName, serverContractAbi } from "@pekanu/protocol";
import { toHex } from "viem";
import type { ServerContext } from "../context.ts";
import type { OrderRecord } from "../store/orderStore.ts";
import type { AnswerOutcome } from "./answerDeliveryDispute.ts";
import { proveBlobChunk } from "./proveBlobChunk.ts";

/**
 * A client challenged storage: read the challenged chunk index (pendingOf), prove that chunk from
 * the blob (reading only the chunk's 64 KiB block and the stored tree's hashes) and answer with
 * respondStorage. A missing or corrupt blob cannot be proven: the outcome is "impossible" and the
 * client will be able to claim the penalty, which is the protocol working as intended.
 */
export async function answerStorageChallenge({ ctx, order, now }: { ctx: ServerContext; order: OrderRecord; now: number }): Promise<AnswerOutcome> {
  const contract = { address: ctx.deployment.address, abi: serverContractAbi } as const;
  const [[state], [deadlineRaw, , chunkIndex]] = await Promise.all([
    ctx.chain.publicClient.readContract({ ...contract, functionName: "orderOf", args: [order.orderId] }),
    ctx.chain.publicClient.readContract({ ...contract, functionName: "pendingOf", args: [order.orderId] }),
  ]);
  const name = orderStateName(state);
  if (name !== "Challenged") return { kind: "obsolete", reason: `order is ${name}` };
  const deadline = Number(deadlineRaw);
  if (now > deadline) return { kind: "impossible", reason: `the challenge's deadline ${deadline} has passed` };
  const proved = await proveBlobChunk({ ctx, fileRoot: order.fileRoot, size: order.size, index: Number(chunkIndex) });
  if (proved.kind === "impossible") return proved;
  const txHash = await ctx.txSender.submit({
    functionName: "respondStorage",
    args: [order.orderId, BigInt(order.size), toHex(proved.proof.chunk), proved.proof.proof],
    window: { deadline, openedAt: deadline - Number(ctx.contract.params.responseWindow) },
    label: `respondStorage ${order.orderId}`,
  });
  return { kind: "sent", txHash, action: "respondStorage" };
}
