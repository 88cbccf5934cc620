import type { ReceiptResponse } from "@pekanu/protocol";
import { ApiError } from "../ApiError.ts";
import type { ServerContext } from "../context.ts";
import type { OrderRecord } from "../store/orderStore.ts";
import { TREE_LEVEL } from "../blobs/treeLayout.ts";
import { createUploadHasher } from "./createUploadHasher.ts";
import { issueReceipt } from "./issueReceipt.ts";

/** Bytes collected before one write… */
const WRITE_BATCH = 1 << 20;
/** …or pieces (a sender of many tiny chunks must not make a batch of a million objects). */
const WRITE_BATCH_PIECES = 128;

/**
 * Seed step 12: streams the upload into the blob store (a temp file, or an S3 multipart upload)
 * while computing its Merkle root. The upload is refused as soon as it exceeds the quoted size,
 * and at the end if its size or root differ from the quote; a refused upload leaves nothing
 * behind. Only verified bytes become the blob, then σ is issued.
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
  const writer = await ctx.blobs.createWriter({ fileRoot: order.fileRoot });
  let kept = false;
  try {
    const builder = createUploadHasher({ recordFrom: TREE_LEVEL });
    let received = 0;
    // Pieces are hashed as they arrive and written in batches of about WRITE_BATCH bytes, in the
    // background while the next batch is hashed. The next piece is read only once the batch
    // before the current one is written, so at most two batches are held (plus what the backend
    // buffers) and a slow store slows the sender down (backpressure through the socket).
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    let writing: Promise<void> = Promise.resolve();
    const flush = async () => {
      await writing;
      writing = writer.write(batch);
      // Handled here so a failed write is no unhandled rejection while the next piece is awaited;
      // the failure itself surfaces at the next `await writing`.
      writing.catch(() => {});
      batch = [];
      batchBytes = 0;
    };
    try {
      for await (const piece of body) {
        received += piece.length;
        if (received > order.size) {
          throw new ApiError("SizeMismatch", `more than the quoted ${order.size} bytes were sent`);
        }
        builder.update(piece);
        batch.push(piece);
        batchBytes += piece.length;
        if (batchBytes >= WRITE_BATCH || batch.length >= WRITE_BATCH_PIECES) await flush();
      }
      if (batchBytes > 0) await flush();
    } finally {
      // Never leave a write running behind a failure (the upload is dropped next).
      await writing.catch(() => {});
    }
    await writing;
    const { root, size } = builder.digest();
    if (size !== order.size) throw new ApiError("SizeMismatch", `received ${size} bytes, the quote is for ${order.size}`);
    if (root !== order.fileRoot) throw new ApiError("RootMismatch", `the content's root is ${root}, the quote is for ${order.fileRoot}`);
    // The stored hashes first: a committed blob always has its tree (proofs read 256 KiB, not the file).
    await ctx.blobs.putTree({ fileRoot: order.fileRoot, tree: builder.tree() });
    kept = true;
    const created = await writer.commit({ fileRoot: order.fileRoot, size });
    await ctx.store.files.add({ fileRoot: order.fileRoot, size, now: Math.floor(Date.now() / 1000) });
    ctx.log.info({ orderId: order.orderId, fileRoot: order.fileRoot, size, created }, "content stored");
    // The blob's stored tree, so a storage challenge reads one block and a few hashes (disputes/).
  } finally {
    if (!kept) await writer.abort();
  }
  return issueReceipt({ ctx, order });
}
