import type { ReceiptResponse } from "@pekanu/protocol";
import { type FileHandle, open } from "node:fs/promises";
import { ApiError } from "../ApiError.ts";
import type { ServerContext } from "../context.ts";
import type { OrderRecord } from "../store/orderStore.ts";
import { buildBlobTree } from "../disputes/proveBlobChunk.ts";
import { createUploadHasher } from "./createUploadHasher.ts";
import { issueReceipt } from "./issueReceipt.ts";

/** Bytes collected before one writev… */
const WRITE_BATCH = 1 << 20;
/** …or pieces (a sender of many tiny chunks must not make a batch of a million objects). */
const WRITE_BATCH_PIECES = 128;

/** Writes `pieces` back to back at `position` (writev may write less than asked: go on). */
async function writeAll(file: FileHandle, pieces: Uint8Array[], position: number): Promise<void> {
  let rest = pieces;
  let at = position;
  while (rest.length > 0) {
    const { bytesWritten } = await file.writev(rest, at);
    at += bytesWritten;
    let skip = bytesWritten;
    let i = 0;
    while (i < rest.length && skip >= rest[i]!.length) skip -= rest[i++]!.length;
    rest = rest.slice(i);
    if (skip > 0) rest[0] = rest[0]!.subarray(skip);
  }
}

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
    const builder = createUploadHasher();
    let received = 0;
    // Pieces are hashed as they arrive and written in batches of about WRITE_BATCH bytes with one
    // writev, in libuv's thread pool while the next batch is hashed. The next piece is read only
    // once the batch before the current one is on disk, so at most two batches are held and a
    // slow disk slows the sender down (backpressure through the socket).
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    let written = 0;
    let writing: Promise<void> = Promise.resolve();
    const flush = async () => {
      await writing;
      writing = writeAll(file, batch, written);
      // Handled here so a failed write is no unhandled rejection while the next piece is awaited;
      // the failure itself surfaces at the next `await writing`.
      writing.catch(() => {});
      written += batchBytes;
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
      // Never leave a write running behind a failure (the file is closed and removed next).
      await writing.catch(() => {});
    }
    await writing;
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
    // The blob's stored tree, so a storage challenge reads one block and a few hashes (disputes/).
    if (created) void buildBlobTree({ ctx, fileRoot: order.fileRoot }).catch((error) => ctx.log.warn({ fileRoot: order.fileRoot, err: (error as Error).message }, "blob tree not built"));
  } finally {
    if (!closed) await file.close().catch(() => {});
    if (!kept) await ctx.blobs.discard(tempPath);
  }
  return issueReceipt({ ctx, order });
}
