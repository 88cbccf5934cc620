import type { ReceiptResponse } from "@pekanu/protocol";
import { createMerkleBuilder, nodeSha256 } from "@pekanu/protocol/node";
import { open } from "node:fs/promises";
import { ApiError } from "../ApiError.ts";
import type { ServerContext } from "../context.ts";
import type { OrderRecord } from "../store/orderStore.ts";
import { issueReceipt } from "./issueReceipt.ts";

/**
 * Seed step 12: streams the upload into a temp file while computing its Merkle root. The upload is
 * refused as soon as it exceeds the quoted size, and at the end if its size or root differ from the
 * quote; a refused upload leaves nothing behind. Only a verified, fsynced file is moved into the
 * blob store, then σ is issued.
 */
export async function receiveUpload({
  ctx,
  order,
  body,
}: {
  ctx: ServerContext;
  order: OrderRecord;
  body: AsyncIterable<Uint8Array>;
}): Promise<ReceiptResponse> {
  const tempPath = ctx.blobs.tempPath();
  const file = await open(tempPath, "wx", 0o600);
  let closed = false;
  let kept = false;
  try {
    const builder = createMerkleBuilder({ sha256: nodeSha256 });
    let received = 0;
    for await (const piece of body) {
      received += piece.length;
      if (received > order.size) {
        throw new ApiError("SizeMismatch", `more than the quoted ${order.size} bytes were sent`);
      }
      builder.update(piece);
      for (let offset = 0; offset < piece.length; ) {
        const { bytesWritten } = await file.write(piece, offset, piece.length - offset);
        offset += bytesWritten;
      }
    }
    await file.sync();
    await file.close();
    closed = true;
    const { root, size } = builder.digest();
    if (size !== order.size) throw new ApiError("SizeMismatch", `received ${size} bytes, the quote is for ${order.size}`);
    if (root !== order.fileRoot) throw new ApiError("RootMismatch", `the content's root is ${root}, the quote is for ${order.fileRoot}`);
    const created = await ctx.blobs.commit({ tempPath, fileRoot: order.fileRoot });
    kept = true;
    ctx.store.files.add({ fileRoot: order.fileRoot, size, now: Math.floor(Date.now() / 1000) });
    ctx.log.info({ orderId: order.orderId, fileRoot: order.fileRoot, size, created }, "content stored");
  } finally {
    if (!closed) await file.close().catch(() => {});
    if (!kept) await ctx.blobs.discard(tempPath);
  }
  return issueReceipt({ ctx, order });
}
