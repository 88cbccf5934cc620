import type { Quote } from "@pekanu/protocol";
import type { Address, Hex } from "viem";
import type { Database } from "../db/openDatabase.ts";

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
    size: row.size as number,
    price: BigInt(row.price as string),
    fine: BigInt(row.fine as string),
    storageUntil: row.storage_until as number,
    expiresAt: row.expires_at as number,
    quoteSignature: row.quote_signature as Hex,
    quotedAt: row.quoted_at as number,
    quotedBlock: row.quoted_block as number,
    deduplicated: row.deduplicated === 1,
    challengeIndices: row.challenge_indices === null ? null : (JSON.parse(row.challenge_indices as string) as number[]),
    paidTx: row.paid_tx as Hex | null,
    paidBlock: row.paid_block as number | null,
    paidAt: (row.paid_at ?? null) as number | null,
    chainState: row.chain_state as string | null,
    settled: row.settled === 1,
    receipt:
      row.receipt_signature === null
        ? null
        : {
            link: row.receipt_link as string,
            signature: row.receipt_signature as Hex,
            signer: row.receipt_signer as Address,
            issuedAt: row.receipt_at as number,
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

export function createOrderStore(db: Database) {
  const insert = db.prepare(`INSERT INTO orders (order_id, client, file_root, size, price, fine, storage_until, expires_at,
    quote_signature, quoted_at, quoted_block, deduplicated, challenge_indices)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const get = db.prepare("SELECT * FROM orders WHERE order_id = ?");
  const byClient = db.prepare("SELECT * FROM orders WHERE client = ? ORDER BY quoted_at DESC, rowid DESC LIMIT ?");
  const openChallenge = db.prepare(
    "SELECT challenge_indices FROM orders WHERE client = ? AND file_root = ? AND challenge_indices IS NOT NULL AND receipt_signature IS NULL ORDER BY quoted_at DESC, rowid DESC LIMIT 1",
  );
  const setPayment = db.prepare("UPDATE orders SET paid_tx = ?, paid_block = ? WHERE order_id = ? AND paid_tx IS NULL");
  const setState = db.prepare("UPDATE orders SET chain_state = ? WHERE order_id = ?");
  const setSettled = db.prepare("UPDATE orders SET settled = 1 WHERE order_id = ?");
  const setReceipt = db.prepare(
    "UPDATE orders SET receipt_link = ?, receipt_signature = ?, receipt_signer = ?, receipt_at = ? WHERE order_id = ? AND receipt_signature IS NULL",
  );
  const receiptFor = db.prepare(
    "SELECT 1 FROM orders WHERE client = ? AND file_root = ? AND receipt_signature IS NOT NULL AND (chain_state IS NULL OR chain_state NOT IN ('Refunded')) LIMIT 1",
  );
  const counts = db.prepare(`SELECT
      COUNT(*) AS total,
      SUM(paid_tx IS NULL) AS unpaid,
      SUM(paid_tx IS NOT NULL AND receipt_signature IS NULL) AS paidWithoutContent,
      SUM(receipt_signature IS NOT NULL) AS stored
    FROM orders`);
  const pruneExpired = db.prepare(`DELETE FROM orders WHERE expires_at < ? AND quoted_at < ? AND paid_tx IS NULL AND chain_state IS NULL
      AND receipt_signature IS NULL AND NOT EXISTS (SELECT 1 FROM tasks WHERE tasks.order_id = orders.order_id)`);
  const setPaidAt = db.prepare("UPDATE orders SET paid_at = ? WHERE order_id = ?");
  // Paid orders whose settle delay has passed (or whose payment time is not known yet), and
  // settled orders whose storage period is over: what the earnings collector looks at.
  const collectable = db.prepare(`SELECT * FROM orders WHERE
      (chain_state = 'Paid' AND (paid_at IS NULL OR paid_at + ? <= ?))
      OR (chain_state = 'Settled' AND storage_until <= ?)
    ORDER BY COALESCE(paid_at, 0), rowid LIMIT ?`);
  const byState = db.prepare("SELECT COALESCE(chain_state, 'None') AS state, COUNT(*) AS n FROM orders GROUP BY 1");

  return {
    insert(order: Omit<OrderRecord, "paidAt"> & { paidAt?: number | null }): void {
      insert.run(
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
      );
    },
    get(orderId: Hex): OrderRecord | undefined {
      const row = get.get(orderId.toLowerCase()) as Row | undefined;
      return row && fromRow(row);
    },
    listByClient({ client, limit }: { client: Address; limit: number }): OrderRecord[] {
      return (byClient.all(client, limit) as Row[]).map(fromRow);
    },
    /** Records the payment once; later calls (the event follower after a live lookup) change nothing. */
    setPayment({ orderId, txHash, blockNumber }: { orderId: Hex; txHash: Hex; blockNumber: number }): boolean {
      return Number(setPayment.run(txHash, blockNumber, orderId).changes) > 0;
    },
    setChainState({ orderId, state }: { orderId: Hex; state: string }): void {
      setState.run(state, orderId);
    },
    setPaidAt({ orderId, paidAt }: { orderId: Hex; paidAt: number }): void {
      setPaidAt.run(paidAt, orderId);
    },
    /** Orders that may be due for settle or release at chain time `now` (see the collector). */
    collectable({ now, settleDelay, limit }: { now: number; settleDelay: number; limit: number }): OrderRecord[] {
      return (collectable.all(settleDelay, now, now, limit) as Row[]).map(fromRow);
    },
    markSettled(orderId: Hex): void {
      setSettled.run(orderId);
    },
    /** Records σ once: returns false when the order already had one. */
    setReceipt({ orderId, receipt }: { orderId: Hex; receipt: OrderReceipt }): boolean {
      return Number(setReceipt.run(receipt.link, receipt.signature, receipt.signer, receipt.issuedAt, orderId).changes) > 0;
    },
    /**
     * The ownership-challenge indices `client` was already given for `fileRoot` and has not yet
     * answered: a new quote repeats them, so asking again never reveals other chunks to prove.
     */
    unansweredChallenge({ client, fileRoot }: { client: Address; fileRoot: Hex }): number[] | undefined {
      const row = openChallenge.get(client, fileRoot.toLowerCase()) as { challenge_indices: string } | undefined;
      return row ? (JSON.parse(row.challenge_indices) as number[]) : undefined;
    },
    /** Whether `client` holds an order with σ for `fileRoot` (what entitles it to download). */
    clientHoldsReceipt({ client, fileRoot }: { client: Address; fileRoot: Hex }): boolean {
      return receiptFor.get(client, fileRoot) !== undefined;
    },
    /**
     * Deletes quotes that expired unpaid before `before` (seconds) — by their own expiry and by the
     * wall clock of their issue — and that the chain never mentioned; returns how many.
     */
    pruneExpiredQuotes({ before }: { before: number }): number {
      return Number(pruneExpired.run(before, before).changes);
    },
    counts() {
      const row = counts.get() as Record<string, number | null>;
      const states = Object.fromEntries((byState.all() as { state: string; n: number }[]).map((r) => [r.state, r.n]));
      return {
        total: row.total ?? 0,
        unpaid: row.unpaid ?? 0,
        paidWithoutContent: row.paidWithoutContent ?? 0,
        stored: row.stored ?? 0,
        byChainState: states as Record<string, number>,
      };
    },
  };
}

export type OrderStore = ReturnType<typeof createOrderStore>;
