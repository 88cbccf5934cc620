import type { Hex } from "viem";
import type { Database } from "../db/openDatabase.ts";

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

type Row = { order_id: string; upload_offset: number; hasher: string; blob_state: string | null; tail: Uint8Array | null; lease_token: string | null; lease_until: number };

const fromRow = (row: Row): UploadRecord => ({
  orderId: row.order_id as Hex,
  offset: row.upload_offset,
  hasher: row.hasher,
  blobState: row.blob_state,
  tail: row.tail,
  leaseToken: row.lease_token,
  leaseUntil: row.lease_until,
});

/**
 * Resumable uploads. Every write after `acquire` is conditioned on the lease token, so a writer
 * whose lease expired (a stalled or partitioned instance) can no longer change the state another
 * writer took over: it sees `false` and stops.
 */
export function createUploadStore(db: Database) {
  const get = db.prepare("SELECT * FROM uploads WHERE order_id = ?");
  const acquire = db.prepare(`INSERT INTO uploads (order_id, upload_offset, hasher, lease_token, lease_until, updated_at)
    VALUES (?, 0, ?, ?, ?, ?)
    ON CONFLICT (order_id) DO UPDATE SET lease_token = excluded.lease_token, lease_until = excluded.lease_until
    WHERE uploads.lease_until < ?`);
  const renew = db.prepare("UPDATE uploads SET lease_until = ? WHERE order_id = ? AND lease_token = ?");
  const release = db.prepare("UPDATE uploads SET lease_token = NULL, lease_until = 0 WHERE order_id = ? AND lease_token = ?");
  const save = db.prepare(
    "UPDATE uploads SET upload_offset = ?, hasher = ?, blob_state = ?, tail = ?, lease_until = ?, updated_at = ? WHERE order_id = ? AND lease_token = ?",
  );
  const remove = db.prepare("DELETE FROM uploads WHERE order_id = ? AND lease_token = ?");
  const removeAny = db.prepare("DELETE FROM uploads WHERE order_id = ?");
  return {
    get(orderId: Hex): UploadRecord | undefined {
      const row = get.get(orderId.toLowerCase()) as Row | undefined;
      return row && fromRow(row);
    },
    /** Takes the order's writer lease (creating the row at offset 0) unless a live lease is held; true when taken. */
    acquire({ orderId, token, emptyHasher, now, leaseMs }: { orderId: Hex; token: string; emptyHasher: string; now: number; leaseMs: number }): boolean {
      return Number(acquire.run(orderId.toLowerCase(), emptyHasher, token, now + leaseMs, Math.floor(now / 1000), now).changes) > 0;
    },
    renew({ orderId, token, until }: { orderId: Hex; token: string; until: number }): boolean {
      return Number(renew.run(until, orderId.toLowerCase(), token).changes) > 0;
    },
    release({ orderId, token }: { orderId: Hex; token: string }): void {
      release.run(orderId.toLowerCase(), token);
    },
    /** Records a new persisted offset (and renews the lease); false if the lease was lost. */
    save({
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
    }): boolean {
      const changes = save.run(offset, hasher, blobState, tail && tail.length > 0 ? tail : null, leaseUntil, Math.floor(Date.now() / 1000), orderId.toLowerCase(), token).changes;
      return Number(changes) > 0;
    },
    /** Drops the upload (finished, or refused and discarded) while holding its lease. */
    remove({ orderId, token }: { orderId: Hex; token: string }): boolean {
      return Number(remove.run(orderId.toLowerCase(), token).changes) > 0;
    },
    /** Drops the row whatever its lease (the order got σ another way). */
    removeAny(orderId: Hex): void {
      removeAny.run(orderId.toLowerCase());
    },
  };
}

export type UploadStore = ReturnType<typeof createUploadStore>;
