import type { Hex } from "viem";
import type { SqlDatabase } from "../db/SqlDatabase.ts";

export type ChainEventRecord = {
  blockNumber: number;
  logIndex: number;
  txHash: Hex;
  name: string;
  orderId: Hex | null;
  args: Record<string, unknown>;
};

const json = (value: unknown) => JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v));

type Row = Record<string, string | number | null>;

const fromRow = (row: Row): ChainEventRecord => ({
  blockNumber: Number(row.block_number),
  logIndex: Number(row.log_index),
  txHash: row.tx_hash as Hex,
  name: row.name as string,
  orderId: row.order_id as Hex | null,
  args: JSON.parse(row.args as string),
});

/** Contract events the follower processed, kept for the status page and for debugging. */
export function createChainEventStore(db: SqlDatabase) {
  return {
    /** Returns false when the event was already recorded (a replayed range). */
    async add(event: ChainEventRecord): Promise<boolean> {
      const { changes } = await db.run(
        "INSERT INTO chain_events (block_number, log_index, tx_hash, name, order_id, args) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [event.blockNumber, event.logIndex, event.txHash, event.name, event.orderId, json(event.args)],
      );
      return changes === 1;
    },
    async recent(limit: number): Promise<ChainEventRecord[]> {
      return (await db.all<Row>("SELECT * FROM chain_events ORDER BY block_number DESC, log_index DESC LIMIT ?", [limit])).map(fromRow);
    },
    async forOrder(orderId: Hex): Promise<ChainEventRecord[]> {
      return (await db.all<Row>("SELECT * FROM chain_events WHERE order_id = ? ORDER BY block_number, log_index", [orderId])).map(fromRow);
    },
  };
}

export type ChainEventStore = ReturnType<typeof createChainEventStore>;
