import type { Address, Hex } from "viem";
import type { Database } from "../db/openDatabase.ts";

export type Deployment = {
  chainId: number;
  address: Address;
  deployBlock: number;
  deployTx: Hex | null;
  deployedByUs: boolean;
  createdAt: number;
};

/** The deployment record: which contract on which chain this data dir belongs to. */
export function createDeploymentStore(db: Database) {
  const get = db.prepare(
    "SELECT chain_id AS chainId, address, deploy_block AS deployBlock, deploy_tx AS deployTx, deployed_by_us AS deployedByUs, created_at AS createdAt FROM deployment WHERE id = 1",
  );
  const insert = db.prepare(
    "INSERT INTO deployment (id, chain_id, address, deploy_block, deploy_tx, deployed_by_us, created_at) VALUES (1, ?, ?, ?, ?, ?, ?)",
  );
  return {
    get(): Deployment | undefined {
      const row = get.get() as (Omit<Deployment, "deployedByUs"> & { deployedByUs: number }) | undefined;
      return row && { ...row, deployedByUs: row.deployedByUs === 1 };
    },
    save(d: Deployment): void {
      insert.run(d.chainId, d.address, d.deployBlock, d.deployTx, d.deployedByUs ? 1 : 0, d.createdAt);
    },
  };
}

export type DeploymentStore = ReturnType<typeof createDeploymentStore>;
