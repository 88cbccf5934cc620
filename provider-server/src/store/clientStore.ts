import type { Address, Hex } from "viem";
import type { SqlDatabase } from "../db/SqlDatabase.ts";

export type ClientRecord = { address: Address; registered: boolean; txHash: Hex | null; blockNumber: number | null };

/** Client registrations as seen on chain, with the transaction that registered each one. */
export function createClientStore(db: SqlDatabase) {
  return {
    async get(address: Address): Promise<ClientRecord | undefined> {
      const row = await db.get<{ address: Address; registered: number; txHash: Hex | null; blockNumber: number | null }>(
        'SELECT address, registered, tx_hash AS "txHash", block_number AS "blockNumber" FROM clients WHERE address = ?',
        [address],
      );
      return row && { ...row, registered: Number(row.registered) === 1, blockNumber: row.blockNumber === null ? null : Number(row.blockNumber) };
    },
    async record({ address, registered, txHash, blockNumber, now }: { address: Address; registered: boolean; txHash: Hex | null; blockNumber: number | null; now: number }): Promise<void> {
      await db.run(
        `INSERT INTO clients (address, registered, tx_hash, block_number, updated_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (address) DO UPDATE SET registered = excluded.registered,
      tx_hash = COALESCE(excluded.tx_hash, clients.tx_hash), block_number = COALESCE(excluded.block_number, clients.block_number),
      updated_at = excluded.updated_at`,
        [address, registered ? 1 : 0, txHash, blockNumber, now],
      );
    },
    async registeredCount(): Promise<number> {
      return Number((await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM clients WHERE registered = 1"))!.n);
    },
  };
}

export type ClientStore = ReturnType<typeof createClientStore>;
