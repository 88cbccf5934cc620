import type { Quote } from "@pekanu/protocol";
import type { Address, Hex } from "viem";
import type { SqlDatabase } from "../db/SqlDatabase.ts";

export type OrderReceipt = { link: string; signature: Hex; signer: Address; issuedAt: number };

/** An order as the server keeps it: the signed quote plus what happened to it since. */
export type OrderRecord = {
  orderId: Hex;
  client: Address;
  fileRoot: Hex;
  size: number;
  price: bigint;
  fine: bigint;
  storageUntil: number;
  expiresAt: number;
  quoteSignature: Hex;
  quotedAt: number;
  /** Chain head when the quote was made: payments are searched from here. */
  quotedBlock: number;
  deduplicated: boolean;
  /** Chunk indices the client must prove (deduplicated orders only). */
  challengeIndices: number[] | null;
  paidTx: Hex | null;
  paidBlock: number | null;
  /** Chain time of the payment (orderOf's paidAt), once the earnings collector has read it. */
  paidAt: number | null;
  /** The contract's state name as last seen in events. */
  chainState: string | null;
  settled: boolean;
  receipt: OrderReceipt | null;
};

type Row = Record<string, string | number | null>;

function fromRow(row: Row): OrderRecord {
  return {
    orderId: row.order_id as Hex,
    client: row.client as Address,
    fileRoot: row.file_root as Hex,
    size: Number(row.size),
    price: BigInt(row.price as string),
    fine: BigInt(row.fine as string),
    storageUntil: Number(row.storage_until),
    expiresAt: Number(row.expires_at),
    quoteSignature: row.quote_signature as Hex,
    quotedAt: Number(row.quoted_at),
    quotedBlock: Number(row.quoted_block),
    deduplicated: Number(row.deduplicated) === 1,
    challengeIndices: row.challenge_indices === null ? null : (JSON.parse(row.challenge_indices as string) as number[]),
    paidTx: row.paid_tx as Hex | null,
    paidBlock: row.paid_block === null ? null : Number(row.paid_block),
    paidAt: row.paid_at === null || row.paid_at === undefined ? null : Number(row.paid_at),
    chainState: row.chain_state as string | null,
    settled: Number(row.settled) === 1,
    receipt:
      row.receipt_signature === null
        ? null
        : {
            link: row.receipt_link as string,
            signature: row.receipt_signature as Hex,
            signer: row.receipt_signer as Address,
            issuedAt: Number(row.receipt_at),
          },
  };
}

/** The quote an order was made from, as the contract and the EIP-712 helpers take it. */
export function quoteOf(order: OrderRecord): Quote {
  return {
    orderId: order.orderId,
    client: order.client,
    fileRoot: order.fileRoot,
    size: BigInt(order.size),
    price: order.price,
    fine: order.fine,
    storageUntil: BigInt(order.storageUntil),
    expiresAt: BigInt(order.expiresAt),
  };
}

export function createOrderStore(db: SqlDatabase) {
  return {
    async insert(order: Omit<OrderRecord, "paidAt"> & { paidAt?: number | null }): Promise<void> {
      await db.run(
        `INSERT INTO orders (order_id, client, file_root, size, price, fine, storage_until, expires_at,
    quote_signature, quoted_at, quoted_block, deduplicated, challenge_indices)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          order.orderId,
          order.client,
          order.fileRoot,
          order.size,
          order.price.toString(),
          order.fine.toString(),
          order.storageUntil,
          order.expiresAt,
          order.quoteSignature,
          order.quotedAt,
          order.quotedBlock,
          order.deduplicated ? 1 : 0,
          order.challengeIndices === null ? null : JSON.stringify(order.challengeIndices),
        ],
      );
    },
    async get(orderId: Hex): Promise<OrderRecord | undefined> {
      const row = await db.get<Row>("SELECT * FROM orders WHERE order_id = ?", [orderId.toLowerCase()]);
      return row && fromRow(row);
    },
    async listByClient({ client, limit }: { client: Address; limit: number }): Promise<OrderRecord[]> {
      return (await db.all<Row>("SELECT * FROM orders WHERE client = ? ORDER BY quoted_at DESC, rowid DESC LIMIT ?", [client, limit])).map(fromRow);
    },
    /** Records the payment once; later calls (the event follower after a live lookup) change nothing. */
    async setPayment({ orderId, txHash, blockNumber }: { orderId: Hex; txHash: Hex; blockNumber: number }): Promise<boolean> {
      const { changes } = await db.run("UPDATE orders SET paid_tx = ?, paid_block = ? WHERE order_id = ? AND paid_tx IS NULL", [txHash, blockNumber, orderId]);
      return changes > 0;
    },
    async setChainState({ orderId, state }: { orderId: Hex; state: string }): Promise<void> {
      await db.run("UPDATE orders SET chain_state = ? WHERE order_id = ?", [state, orderId]);
    },
    async setPaidAt({ orderId, paidAt }: { orderId: Hex; paidAt: number }): Promise<void> {
      await db.run("UPDATE orders SET paid_at = ? WHERE order_id = ?", [paidAt, orderId]);
    },
    /**
     * Orders that may be due for settle or release at chain time `now` (see the collector): paid
     * orders whose settle delay has passed (or whose payment time is not known yet), and settled
     * orders whose storage period is over.
     */
    async collectable({ now, settleDelay, limit }: { now: number; settleDelay: number; limit: number }): Promise<OrderRecord[]> {
      const rows = await db.all<Row>(
        `SELECT * FROM orders WHERE
      (chain_state = 'Paid' AND (paid_at IS NULL OR paid_at + ? <= ?))
      OR (chain_state = 'Settled' AND storage_until <= ?)
    ORDER BY COALESCE(paid_at, 0), rowid LIMIT ?`,
        [settleDelay, now, now, limit],
      );
      return rows.map(fromRow);
    },
    async markSettled(orderId: Hex): Promise<void> {
      await db.run("UPDATE orders SET settled = 1 WHERE order_id = ?", [orderId]);
    },
    /** Records σ once: returns false when the order already had one. */
    async setReceipt({ orderId, receipt }: { orderId: Hex; receipt: OrderReceipt }): Promise<boolean> {
      const { changes } = await db.run(
        "UPDATE orders SET receipt_link = ?, receipt_signature = ?, receipt_signer = ?, receipt_at = ? WHERE order_id = ? AND receipt_signature IS NULL",
        [receipt.link, receipt.signature, receipt.signer, receipt.issuedAt, orderId],
      );
      return changes > 0;
    },
    /**
     * The ownership-challenge indices `client` was already given for `fileRoot` and has not yet
     * answered: a new quote repeats them, so asking again never reveals other chunks to prove.
     */
    async unansweredChallenge({ client, fileRoot }: { client: Address; fileRoot: Hex }): Promise<number[] | undefined> {
      const row = await db.get<{ challenge_indices: string }>(
        "SELECT challenge_indices FROM orders WHERE client = ? AND file_root = ? AND challenge_indices IS NOT NULL AND receipt_signature IS NULL ORDER BY quoted_at DESC, rowid DESC LIMIT 1",
        [client, fileRoot.toLowerCase()],
      );
      return row ? (JSON.parse(row.challenge_indices) as number[]) : undefined;
    },
    /** Whether `client` holds an order with σ for `fileRoot` (what entitles it to download). */
    async clientHoldsReceipt({ client, fileRoot }: { client: Address; fileRoot: Hex }): Promise<boolean> {
      const row = await db.get(
        "SELECT 1 AS one FROM orders WHERE client = ? AND file_root = ? AND receipt_signature IS NOT NULL AND (chain_state IS NULL OR chain_state NOT IN ('Refunded')) LIMIT 1",
        [client, fileRoot],
      );
      return row !== undefined;
    },
    /**
     * Deletes quotes that expired unpaid before `before` (seconds) — by their own expiry and by the
     * wall clock of their issue — and that the chain never mentioned; returns how many.
     */
    async pruneExpiredQuotes({ before }: { before: number }): Promise<number> {
      const { changes } = await db.run(
        `DELETE FROM orders WHERE expires_at < ? AND quoted_at < ? AND paid_tx IS NULL AND chain_state IS NULL
      AND receipt_signature IS NULL AND NOT EXISTS (SELECT 1 FROM tasks WHERE tasks.order_id = orders.order_id)`,
        [before, before],
      );
      return changes;
    },
    async counts() {
      const row = (await db.get<Record<string, number | string | null>>(`SELECT
      COUNT(*) AS total,
      SUM(CASE WHEN paid_tx IS NULL THEN 1 ELSE 0 END) AS unpaid,
      SUM(CASE WHEN paid_tx IS NOT NULL AND receipt_signature IS NULL THEN 1 ELSE 0 END) AS "paidWithoutContent",
      SUM(CASE WHEN receipt_signature IS NOT NULL THEN 1 ELSE 0 END) AS stored
    FROM orders`))!;
      const byState = await db.all<{ state: string; n: number | string }>("SELECT COALESCE(chain_state, 'None') AS state, COUNT(*) AS n FROM orders GROUP BY 1");
      const states = Object.fromEntries(byState.map((r) => [r.state, Number(r.n)]));
      return {
        total: Number(row.total ?? 0),
        unpaid: Number(row.unpaid ?? 0),
        paidWithoutContent: Number(row.paidWithoutContent ?? 0),
        stored: Number(row.stored ?? 0),
        byChainState: states as Record<string, number>,
      };
    },
  };
}

export type OrderStore = ReturnType<typeof createOrderStore>;
