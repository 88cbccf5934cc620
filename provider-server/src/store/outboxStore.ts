import type { Address, Hex } from "viem";
import type { SqlDatabase } from "../db/SqlDatabase.ts";

/** pending: not mined yet (maybe re-sent with higher fees) · mined: one of its versions is in a block · lost: the nonce was used by a transaction this server did not send */
export type OutboxStatus = "pending" | "mined" | "lost";

/** One nonce of the owner's account and every version (fee bump) of the transaction sent with it. */
export type OutboxRecord = {
  account: Address;
  nonce: number;
  /** What it is for, e.g. "respondStorage 0xab…"; for logs and the status page. */
  label: string;
  to: Address;
  data: Hex;
  value: bigint;
  gas: bigint;
  /** Chain time by which it must be mined (null: no deadline). */
  deadline: number | null;
  /** Chain time the deadline's window opened (the dispute's or challenge's block): fees climb as the window runs out. */
  openedAt: number | null;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  /** The latest signed version, re-broadcast as is until it is replaced. */
  raw: Hex;
  /** Every version's hash, oldest first. */
  hashes: Hex[];
  status: OutboxStatus;
  minedHash: Hex | null;
  sends: number;
  /** Wall-clock milliseconds. */
  firstSentAt: number;
  lastSentAt: number;
};

type Row = Record<string, string | number | null>;

const fromRow = (row: Row): OutboxRecord => ({
  account: row.account as Address,
  nonce: Number(row.nonce),
  label: row.label as string,
  to: row.to_address as Address,
  data: row.data as Hex,
  value: BigInt(row.value as string),
  gas: BigInt(row.gas as string),
  deadline: row.deadline === null ? null : Number(row.deadline),
  openedAt: row.opened_at === null ? null : Number(row.opened_at),
  maxFeePerGas: BigInt(row.max_fee as string),
  maxPriorityFeePerGas: BigInt(row.tip as string),
  raw: row.raw as Hex,
  hashes: JSON.parse(row.hashes as string) as Hex[],
  status: row.status as OutboxStatus,
  minedHash: row.mined_hash as Hex | null,
  sends: Number(row.sends),
  firstSentAt: Number(row.first_sent_at),
  lastSentAt: Number(row.last_sent_at),
});

/** Persistent record of the owner's outgoing transactions, one row per nonce. */
export function createOutboxStore(db: SqlDatabase) {
  return {
    /** Highest nonce ever recorded for the account (any status), or -1. */
    async maxNonce(account: Address): Promise<number> {
      const row = await db.get<{ n: number | string | null }>("SELECT MAX(nonce) AS n FROM outbox WHERE account = ?", [account]);
      return row?.n === null || row?.n === undefined ? -1 : Number(row.n);
    },
    /**
     * Records a signed transaction before it is broadcast. False when the nonce is already taken
     * (another process sharing this database got it first): sign again with the next one.
     */
    async add(record: Omit<OutboxRecord, "status" | "minedHash" | "sends">): Promise<boolean> {
      const r = record;
      const { changes } = await db.run(
        `INSERT INTO outbox (account, nonce, label, to_address, data, value, gas, deadline, opened_at, max_fee, tip, raw, hashes, status, mined_hash, sends, first_sent_at, last_sent_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', NULL, 1, ?, ?) ON CONFLICT DO NOTHING`,
        [
          r.account,
          r.nonce,
          r.label,
          r.to,
          r.data,
          String(r.value),
          String(r.gas),
          r.deadline,
          r.openedAt,
          String(r.maxFeePerGas),
          String(r.maxPriorityFeePerGas),
          r.raw,
          JSON.stringify(r.hashes),
          r.firstSentAt,
          r.lastSentAt,
        ],
      );
      return changes === 1;
    },
    async pending(account: Address): Promise<OutboxRecord[]> {
      return (await db.all<Row>("SELECT * FROM outbox WHERE account = ? AND status = 'pending' ORDER BY nonce", [account])).map(fromRow);
    },
    async findByHash(account: Address, hash: Hex): Promise<OutboxRecord | undefined> {
      const row = await db.get<Row>("SELECT * FROM outbox WHERE account = ? AND hashes LIKE ? ORDER BY nonce DESC LIMIT 1", [account, `%${hash.toLowerCase()}%`]);
      return row ? fromRow(row) : undefined;
    },
    /** A new version (higher fees, or a cancel) of a pending nonce. */
    async resent(record: OutboxRecord): Promise<void> {
      await db.run(
        "UPDATE outbox SET label = ?, to_address = ?, data = ?, value = ?, gas = ?, max_fee = ?, tip = ?, raw = ?, hashes = ?, sends = ?, last_sent_at = ? WHERE account = ? AND nonce = ?",
        [
          record.label,
          record.to,
          record.data,
          String(record.value),
          String(record.gas),
          String(record.maxFeePerGas),
          String(record.maxPriorityFeePerGas),
          record.raw,
          JSON.stringify(record.hashes),
          record.sends,
          record.lastSentAt,
          record.account,
          record.nonce,
        ],
      );
    },
    async finish({ account, nonce, status, minedHash }: { account: Address; nonce: number; status: OutboxStatus; minedHash: Hex | null }): Promise<void> {
      await db.run("UPDATE outbox SET status = ?, mined_hash = ? WHERE account = ? AND nonce = ?", [status, minedHash, account, nonce]);
    },
  };
}

export type OutboxStore = ReturnType<typeof createOutboxStore>;
