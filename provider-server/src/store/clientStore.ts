import type { Address, Hex } from "viem";
import type { Database } from "../db/openDatabase.ts";

export type ClientRecord = { address: Address; registered: boolean; txHash: Hex | null; blockNumber: number | null };

/** Client registrations as seen on chain, with the transaction that registered each one. */
export function createClientStore(db: Database) {
  const get = db.prepare("SELECT address, registered, tx_hash AS txHash, block_number AS blockNumber FROM clients WHERE address = ?");
  const upsert = db.prepare(`INSERT INTO clients (address, registered, tx_hash, block_number, updated_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (address) DO UPDATE SET registered = excluded.registered,
      tx_hash = COALESCE(excluded.tx_hash, clients.tx_hash), block_number = COALESCE(excluded.block_number, clients.block_number),
      updated_at = excluded.updated_at`);
  const count = db.prepare("SELECT COUNT(*) AS n FROM clients WHERE registered = 1");
  return {
    get(address: Address): ClientRecord | undefined {
      const row = get.get(address) as { address: Address; registered: number; txHash: Hex | null; blockNumber: number | null } | undefined;
      return row && { ...row, registered: row.registered === 1 };
    },
    record({ address, registered, txHash, blockNumber, now }: { address: Address; registered: boolean; txHash: Hex | null; blockNumber: number | null; now: number }): void {
      upsert.run(address, registered ? 1 : 0, txHash, blockNumber, now);
    },
    registeredCount(): number {
      return (count.get() as { n: number }).n;
    },
  };
}

export type ClientStore = ReturnType<typeof createClientStore>;
