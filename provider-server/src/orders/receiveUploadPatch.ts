import type { ReceiptResponse } from "@pekanu/protocol";
import { randomBytes } from "node:crypto";
import { ApiError } from "../ApiError.ts";
import { SEGMENT_SIZE } from "../blobs/BlobStore.ts";
import { TREE_LEVEL } from "../blobs/treeLayout.ts";
import type { ServerContext } from "../context.ts";
import type { OrderRecord } from "../store/orderStore.ts";
import { createUploadHasher } from "./createUploadHasher.ts";
import { issueReceipt } from "./issueReceipt.ts";

/** The writer lost its lease (it stalled past it and another writer took the order over). */
export class UploadLeaseLostError extends Error {
  override readonly name = "UploadLeaseLostError";
}

export type PatchOutcome = { kind: "progress"; offset: number } | { kind: "complete"; offset: number; receipt: ReceiptResponse };

export const EMPTY_HASHER = createUploadHasher({ recordFrom: TREE_LEVEL }).snapshot();

/**
 * One tus PATCH (docs: /work/coord/RESUMABLE-UPLOADS.md, provider-server README): appends the
 * bytes from `offset` to the order's resumable upload.
 *
 * - One writer per order, on any instance: a lease row in the database, renewed while bytes
 *   flow; every state change is conditioned on the lease token. A second writer gets 409.
 * - Bytes are hashed as they arrive (the Merkle state survives in the database as a snapshot)
 *   and written to the blob store in whole 8 MiB segments (an S3 multipart part, or a positioned
 *   write + fsync); after each segment the new offset, the hashing state and the partial object's
 *   state are saved in one row update. The segment write of k overlaps the receiving of k + 1.
 * - When the PATCH ends early (the client went away, or sent nothing for `uploadStallMs`), the
 *   bytes after the last whole segment are saved in the row (`tail`): nothing received is lost. A
 *   crash loses at most what arrived since the last saved segment.
 * - At the size: the root is checked. A mismatch discards the whole upload (offset back to 0);
 *   a match makes the partial object the blob and issues σ.
 */
export async function receiveUploadPatch({
  ctx,
  order,
  offset: claimed,
  body,
  stop,
}: {
  ctx: ServerContext;
  order: OrderRecord;
  offset: number;
  body: AsyncIterable<Uint8Array>;
  /** Ends the request's body (a stalled sender, a lost lease): the iteration then throws. */
  stop: (reason: string) => void;
}): Promise<PatchOutcome> {
  const { orderId } = order;
  const leaseMs = ctx.config.uploadLeaseMs;
  const token = randomBytes(16).toString("hex");
  const uploads = ctx.store.uploads;
  const busy = async () =>
    new ApiError("Conflict", "upload in progress: another request is sending this order's content; retry later", {
      headers: { "upload-offset": String((await uploads.get(orderId))?.offset ?? 0), "tus-resumable": "1.0.0" },
    });
  if (ctx.busyOrders.has(orderId)) throw await busy();
  // Claimed in this process before the lease is asked for, so a PUT of the same order cannot slip
  // in while the database answers.
  const claim = { startedAt: Date.now(), abort: (reason: string) => stop(reason) };
  ctx.busyOrders.set(orderId, claim);
  let acquired = false;
  try {
    acquired = await uploads.acquire({ orderId, token, emptyHasher: EMPTY_HASHER, now: Date.now(), leaseMs });
  } finally {
    if (!acquired && ctx.busyOrders.get(orderId) === claim) ctx.busyOrders.delete(orderId);
  }
  if (!acquired) throw await busy();
  let leaseLost = false;
  let finished = false;
  const renewal = setInterval(() => {
    uploads.renew({ orderId, token, until: Date.now() + leaseMs }).then(
      (renewed) => {
        if (renewed || finished) return; // a late answer after the PATCH ended says nothing
        leaseLost = true;
        stop("lease lost");
      },
      // The database did not answer: the lease holds until it runs out; the next renewal tries again.
      (error: unknown) => ctx.log.warn({ orderId, err: (error as Error).message }, "upload lease renewal failed"),
    );
  }, Math.max(50, Math.floor(leaseMs / 3)));
  renewal.unref();
  let released = false;
  try {
    const row = (await uploads.get(orderId))!;
    if (claimed !== row.offset) {
      throw new ApiError("Conflict", `Upload-Offset is ${claimed}, the server holds ${row.offset} bytes: continue from there`, {
        headers: { "upload-offset": String(row.offset), "tus-resumable": "1.0.0" },
      });
    }
    const hasher = createUploadHasher({ state: row.hasher, recordFrom: TREE_LEVEL });
    let blobState = row.blobState;
    if (blobState === null) {
      blobState = await ctx.blobs.partial.begin({ orderId, fileRoot: order.fileRoot });
      if (!(await uploads.save({ orderId, token, offset: row.offset, hasher: row.hasher, blobState, tail: row.tail, leaseUntil: Date.now() + leaseMs }))) {
        await ctx.blobs.partial.abort({ state: blobState });
        throw new UploadLeaseLostError("upload lease lost");
      }
    }
    let segmentIndex = Math.floor(row.offset / SEGMENT_SIZE);
    let segment: Uint8Array[] = row.tail && row.tail.length > 0 ? [row.tail] : [];
    let segmentBytes = row.tail?.length ?? 0;
    let received = row.offset;
    let persisting: Promise<void> = Promise.resolve();

    /** Writes one whole segment and records it (after the segment before it is recorded). */
    const persist = (index: number, pieces: Uint8Array[], offsetAfter: number, hasherState: string) => {
      const previous = persisting;
      persisting = (async () => {
        await previous;
        blobState = await ctx.blobs.partial.writeSegment({ state: blobState!, index, pieces });
        if (!(await uploads.save({ orderId, token, offset: offsetAfter, hasher: hasherState, blobState, tail: null, leaseUntil: Date.now() + leaseMs }))) {
          leaseLost = true;
          throw new UploadLeaseLostError("upload lease lost");
        }
      })();
      // Surfaces at the next await of `persisting`; never an unhandled rejection meanwhile.
      persisting.catch(() => {});
    };

    let bodyError: unknown;
    try {
      for await (const chunk of body) {
        let piece = chunk;
        if (received + piece.length > order.size) {
          throw new ApiError("SizeMismatch", `more than the quoted ${order.size} bytes were sent`);
        }
        while (piece.length > 0) {
          const take = Math.min(piece.length, SEGMENT_SIZE - segmentBytes);
          const part = take === piece.length ? piece : piece.subarray(0, take);
          hasher.update(part);
          received += take;
          segment.push(part);
          segmentBytes += take;
          piece = piece.subarray(take);
          if (segmentBytes === SEGMENT_SIZE) {
            await persisting; // at most one segment being written while the next one arrives
            persist(segmentIndex, segment, received, hasher.snapshot());
            segmentIndex++;
            segment = [];
            segmentBytes = 0;
          }
        }
      }
    } catch (error) {
      bodyError = error;
    }
    // Everything received so far is written and recorded before anything else happens.
    await persisting;
    if (bodyError !== undefined) {
      // The sender went away or stalled: keep what arrived after the last segment (but not after
      // a refusal, where the recorded state stays as it was before the refused bytes).
      if (!(bodyError instanceof ApiError) && !leaseLost) {
        await uploads.save({ orderId, token, offset: received, hasher: hasher.snapshot(), blobState, tail: concat(segment), leaseUntil: 0 });
        ctx.log.info({ orderId, offset: received, reason: (bodyError as Error).message }, "upload interrupted; resumable");
      }
      if (leaseLost) throw new UploadLeaseLostError("upload lease lost");
      throw bodyError;
    }
    if (received < order.size) {
      if (!(await uploads.save({ orderId, token, offset: received, hasher: hasher.snapshot(), blobState, tail: concat(segment), leaseUntil: 0 }))) {
        throw new UploadLeaseLostError("upload lease lost");
      }
      released = true;
      return { kind: "progress", offset: received };
    }

    // All bytes are here: the last (short) segment, then the root check.
    if (segmentBytes > 0) {
      blobState = await ctx.blobs.partial.writeSegment({ state: blobState, index: segmentIndex, pieces: segment });
    }
    if (!(await uploads.save({ orderId, token, offset: received, hasher: hasher.snapshot(), blobState, tail: null, leaseUntil: Date.now() + leaseMs }))) {
      throw new UploadLeaseLostError("upload lease lost");
    }
    const { root, size } = hasher.digest();
    if (root !== order.fileRoot || size !== order.size) {
      // Which bytes were wrong is unknowable: nothing of this upload is kept.
      await ctx.blobs.partial.abort({ state: blobState });
      await uploads.remove({ orderId, token });
      released = true;
      ctx.log.warn({ orderId, root, expected: order.fileRoot }, "resumable upload refused: wrong root, discarded");
      throw new ApiError("RootMismatch", `the content's root is ${root}, the quote is for ${order.fileRoot}; the upload was discarded, start again from 0`, {
        headers: { "upload-offset": "0", "tus-resumable": "1.0.0" },
      });
    }
    // After a crash between completing and σ the blob already exists: completing is then skipped.
    // The stored hashes go first: a committed blob always has its tree.
    let created = false;
    if (await ctx.blobs.has(order.fileRoot)) {
      await ctx.blobs.partial.abort({ state: blobState });
    } else {
      await ctx.blobs.putTree({ fileRoot: order.fileRoot, tree: hasher.tree() });
      created = await ctx.blobs.partial.complete({ state: blobState, fileRoot: order.fileRoot, size });
    }
    await ctx.store.files.add({ fileRoot: order.fileRoot, size, now: Math.floor(Date.now() / 1000) });
    ctx.log.info({ orderId, fileRoot: order.fileRoot, size, created }, "content stored (resumable upload)");
    const receipt = await issueReceipt({ ctx, order });
    await uploads.remove({ orderId, token });
    released = true;
    return { kind: "complete", offset: size, receipt };
  } finally {
    finished = true;
    clearInterval(renewal);
    if (!released) await uploads.release({ orderId, token });
    ctx.busyOrders.delete(orderId);
  }
}

function concat(pieces: Uint8Array[]): Uint8Array | null {
  if (pieces.length === 0) return null;
  return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
}
