import { type ReceiptResponse } from "@pekanu/protocol";
import { chunkCount, nodeSha256, verifyInclusion } from "@pekanu/protocol/node";
import { ApiError } from "../ApiError.ts";
import type { ServerContext } from "../context.ts";
import type { OrderRecord } from "../store/orderStore.ts";
import { issueReceipt } from "./issueReceipt.ts";

export type OwnershipProof = { proofs: { index: number; chunk: string; proof: `0x${string}`[] }[] };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Proof of ownership for a deduplicated order (Halevi et al.): the client answers exactly the
 * chunk indices named in its quote, each with an RFC 6962 inclusion proof against the order's file
 * root. Only then is the client linked to the stored file (σ issued). A failed proof links nothing
 * and reveals no new indices; the client may retry the same ones.
 */
export async function verifyOwnershipProof({
  ctx,
  order,
  body,
}: {
  ctx: ServerContext;
  order: OrderRecord;
  body: OwnershipProof;
}): Promise<ReceiptResponse> {
  if (!order.deduplicated || order.challengeIndices === null) {
    throw new ApiError("Conflict", "this order is not deduplicated: upload the content as application/octet-stream");
  }
  const expected = order.challengeIndices;
  const answered = body.proofs.map((p) => p.index);
  const sameSet = answered.length === expected.length && new Set(answered).size === answered.length && answered.every((i) => expected.includes(i));
  if (!sameSet) {
    throw new ApiError("OwnershipProofFailed", `answer exactly the challenged chunk indices [${expected.join(", ")}]`);
  }
  const treeSize = chunkCount(order.size);
  for (const { index, chunk, proof } of body.proofs) {
    if (!BASE64.test(chunk)) throw new ApiError("OwnershipProofFailed", `chunk ${index} is not base64`);
    const bytes = Buffer.from(chunk, "base64");
    const ok = verifyInclusion({ root: order.fileRoot, index, treeSize, proof, chunk: bytes, sha256: nodeSha256 });
    if (!ok) throw new ApiError("OwnershipProofFailed", `chunk ${index} does not verify against the file root`);
  }
  // The stored blob is what σ will vouch for: make sure it is still there.
  if (!(await ctx.blobs.has(order.fileRoot))) {
    throw new ApiError("Conflict", "the provider no longer holds this file: upload the content instead");
  }
  return issueReceipt({ ctx, order });
}
