// The resumable upload's writer lease (uploadStore): a PATCH that ends gives the lease up in the
// same row update that saves its offset. A renewal sent just before that save and answered after it
// (a slow database, seen on PostgreSQL under load) must not take the lease back: the client's next
// PATCH was refused with 409 "upload in progress" and an offset short of what it had sent.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Hex } from "viem";
import { describe, expect, it } from "vitest";
import { EMPTY_HASHER } from "../../src/orders/receiveUploadPatch.ts";
import { createStore } from "../../src/store/createStore.ts";
import { openTestDatabase } from "../support/stateBackend.ts";

const orderId = `0x${"ab".repeat(32)}` as Hex;
const leaseMs = 30_000;

describe("upload writer lease", () => {
  it("a renewal landing after the PATCH gave the lease up does not take it back; the next PATCH gets the lease", async () => {
    const store = createStore(await openTestDatabase(await mkdtemp(join(tmpdir(), "pekanu-db-"))));
    const now = Date.now();
    expect(await store.uploads.acquire({ orderId, token: "first", emptyHasher: EMPTY_HASHER, now, leaseMs })).toBe(true);
    // A second writer meanwhile: refused.
    expect(await store.uploads.acquire({ orderId, token: "other", emptyHasher: EMPTY_HASHER, now, leaseMs })).toBe(false);
    // The PATCH ends: offset saved, lease given up (leaseUntil 0) in one update.
    expect(await store.uploads.save({ orderId, token: "first", offset: 5 << 20, hasher: EMPTY_HASHER, blobState: null, tail: new Uint8Array([1, 2, 3]), leaseUntil: 0 })).toBe(true);
    // The renewal that was in flight lands now: refused, nothing changed.
    expect(await store.uploads.renew({ orderId, token: "first", until: now + leaseMs })).toBe(false);
    const row = await store.uploads.get(orderId);
    expect(row).toMatchObject({ offset: 5 << 20, leaseUntil: 0 });
    expect(Buffer.from(row!.tail!)).toEqual(Buffer.from([1, 2, 3]));
    // The client's next PATCH (any instance) takes the lease at once, at the saved offset.
    expect(await store.uploads.acquire({ orderId, token: "second", emptyHasher: EMPTY_HASHER, now: now + 1, leaseMs })).toBe(true);
    expect(await store.uploads.get(orderId)).toMatchObject({ offset: 5 << 20, leaseToken: "second" });
    // A held lease is still renewed, and the old token can no longer touch it.
    expect(await store.uploads.renew({ orderId, token: "second", until: now + 2 * leaseMs })).toBe(true);
    expect(await store.uploads.renew({ orderId, token: "first", until: now + 3 * leaseMs })).toBe(false);
    expect((await store.uploads.get(orderId))!.leaseUntil).toBe(now + 2 * leaseMs);
    await store.db.close();
  });
});
