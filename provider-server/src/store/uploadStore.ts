import type { Hex } from "viem";
import type { SqlDatabase } from "../db/SqlDatabase.ts";

/** A resumable upload's persisted state (see migration 3). */
export type UploadRecord = {
  orderId: Hex;
  /** Bytes persisted: whole segments in the blob store plus `tail`. */
  offset: number;
  /** createUploadHasher's snapshot after `offset` bytes. */
  hasher: string;
  /** The blob store's partial-object state, once the first segment was written. */
  blobState: string | null;
  /** The bytes after the last whole segment (fewer than one segment). */
  tail: Uint8Array | null;
  leaseToken: string | null;
  /** Epoch ms until which `leaseToken` holds the order. */
  leaseUntil: number;
};

type Row = {
  order_id: string;
  upload_offset: number | string;
  hasher: string;
  blob_state: string | null;
  tail: Uint8Array | null;
  lease_token: string | null;
  lease_until: number | string;
};

const fromRow = (row: Row): UploadRecord => ({
  orderId: row.order_id as Hex,
  offset: Number(row.upload_offset),
  hasher: row.hasher,
  blobState: row.blob_state,
  tail: row.tail,
  leaseToken: row.lease_token,
  leaseUntil: Number(row.lease_until),
});

/**
 * Resumable uploads. Every write after `acquire` is conditioned on the lease token, so a writer
 * whose lease expired (a stalled or partitioned instance) can no longer change the state another
 * writer took over: it sees `false` and stops.
 */
export function createUploadStore(db: SqlDatabase) {
  return {
    async get(orderId: Hex): Promise<UploadRecord | undefined> {
      const row = await db.get<Row>("SELECT * FROM uploads WHERE order_id = ?", [orderId.toLowerCase()]);
      return row && fromRow(row);
    },
    /** Takes the order's writer lease (creating the row at offset 0) unless a live lease is held; true when taken. */
    async acquire({ orderId, token, emptyHasher, now, leaseMs }: { orderId: Hex; token: string; emptyHasher: string; now: number; leaseMs: number }): Promise<boolean> {
      const { changes } = await db.run(
        `INSERT INTO uploads (order_id, upload_offset, hasher, lease_token, lease_until, updated_at)
    VALUES (?, 0, ?, ?, ?, ?)
    ON CONFLICT (order_id) DO UPDATE SET lease_token = excluded.lease_token, lease_until = excluded.lease_until
    WHERE uploads.lease_until < ?`,
        [orderId.toLowerCase(), emptyHasher, token, now + leaseMs, Math.floor(now / 1000), now],
      );
      return changes > 0;
    },
    /**
     * Extends a held lease; false when it is no longer held. A lease given up (`lease_until` 0, by
     * a save that ends the PATCH) stays given up: a renewal sent before that save and answered
     * after it must not take the order back and make the client's next PATCH wait the lease out.
     */
    async renew({ orderId, token, until }: { orderId: Hex; token: string; until: number }): Promise<boolean> {
      return (await db.run("UPDATE uploads SET lease_until = ? WHERE order_id = ? AND lease_token = ? AND lease_until > 0", [until, orderId.toLowerCase(), token])).changes > 0;
    },
    /**
     * Frees every writer lease; returns how many were held. Only for a single instance at start:
     * any lease then is its own previous process's, which died mid-upload (a retry must not wait it out).
     */
    async releaseAll(): Promise<number> {
      return (await db.run("UPDATE uploads SET lease_token = NULL, lease_until = 0 WHERE lease_token IS NOT NULL", [])).changes;
    },
    async release({ orderId, token }: { orderId: Hex; token: string }): Promise<void> {
      await db.run("UPDATE uploads SET lease_token = NULL, lease_until = 0 WHERE order_id = ? AND lease_token = ?", [orderId.toLowerCase(), token]);
    },
    /** Records a new persisted offset (and renews the lease); false if the lease was lost. */
    async save({
      orderId,
      token,
      offset,
      hasher,
      blobState,
      tail,
      leaseUntil,
    }: {
      orderId: Hex;
      token: string;
      offset: number;
      hasher: string;
      blobState: string | null;
      tail: Uint8Array | null;
      leaseUntil: number;
    }): Promise<boolean> {
      const { changes } = await db.run(
        "UPDATE uploads SET upload_offset = ?, hasher = ?, blob_state = ?, tail = ?, lease_until = ?, updated_at = ? WHERE order_id = ? AND lease_token = ?",
        [offset, hasher, blobState, tail && tail.length > 0 ? tail : null, leaseUntil, Math.floor(Date.now() / 1000), orderId.toLowerCase(), token],
      );
      return changes > 0;
    },
    /** Drops the upload (finished, or refused and discarded) while holding its lease. */
    async remove({ orderId, token }: { orderId: Hex; token: string }): Promise<boolean> {
      return (await db.run("DELETE FROM uploads WHERE order_id = ? AND lease_token = ?", [orderId.toLowerCase(), token])).changes > 0;
    },
    /** Drops the row whatever its lease (the order got σ another way). */
    async removeAny(orderId: Hex): Promise<void> {
      await db.run("DELETE FROM uploads WHERE order_id = ?", [orderId.toLowerCase()]);
    },
  };
}

export type UploadStore = ReturnType<typeof createUploadStore>;
