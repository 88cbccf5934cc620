import type { Hex } from "viem";
import type { Database } from "../db/openDatabase.ts";

export type ChainEventRecord = {
  blockNumber: number;
  logIndex: number;
  txHash: Hex;
  name: string;
  orderId: Hex | null;
  args: Record<string, unknown>;
};

const json = (value: unknown) => JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v));

/** Contract events the follower processed, kept for the status page and for debugging. */
export function createChainEventStore(db: Database) {
  const insert = db.prepare("INSERT OR IGNORE INTO chain_events (block_number, log_index, tx_hash, name, order_id, args) VALUES (?, ?, ?, ?, ?, ?)");
  const recent = db.prepare("SELECT * FROM chain_events ORDER BY block_number DESC, log_index DESC LIMIT ?");
  const byOrder = db.prepare("SELECT * FROM chain_events WHERE order_id = ? ORDER BY block_number, log_index");
  const fromRow = (row: Record<string, string | number | null>): ChainEventRecord => ({
    blockNumber: row.block_number as number,
    logIndex: row.log_index as number,
    txHash: row.tx_hash as Hex,
    name: row.name as string,
    orderId: row.order_id as Hex | null,
    args: JSON.parse(row.args as string),
  });
  return {
    /** Returns false when the event was already recorded (a replayed range). */
    add(event: ChainEventRecord): boolean {
      return Number(insert.run(event.blockNumber, event.logIndex, event.txHash, event.name, event.orderId, json(event.args)).changes) === 1;
    },
    recent(limit: number): ChainEventRecord[] {
      return (recent.all(limit) as Record<string, string | number | null>[]).map(fromRow);
    },
    forOrder(orderId: Hex): ChainEventRecord[] {
      return (byOrder.all(orderId) as Record<string, string | number | null>[]).map(fromRow);
    },
  };
}

export type ChainEventStore = ReturnType<typeof createChainEventStore>;
