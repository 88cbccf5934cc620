import type { Address, Hex } from "viem";
import type { SqlDatabase } from "../db/SqlDatabase.ts";

export type Deployment = {
  chainId: number;
  address: Address;
  deployBlock: number;
  deployTx: Hex | null;
  deployedByUs: boolean;
  createdAt: number;
};

/** The deployment record: which contract on which chain this data dir belongs to. */
export function createDeploymentStore(db: SqlDatabase) {
  return {
    async get(): Promise<Deployment | undefined> {
      const row = await db.get<Omit<Deployment, "deployedByUs"> & { deployedByUs: number }>(
        'SELECT chain_id AS "chainId", address, deploy_block AS "deployBlock", deploy_tx AS "deployTx", deployed_by_us AS "deployedByUs", created_at AS "createdAt" FROM deployment WHERE id = 1',
      );
      return (
        row && {
          ...row,
          chainId: Number(row.chainId),
          deployBlock: Number(row.deployBlock),
          createdAt: Number(row.createdAt),
          deployedByUs: Number(row.deployedByUs) === 1,
        }
      );
    },
    async save(d: Deployment): Promise<void> {
      await db.run("INSERT INTO deployment (id, chain_id, address, deploy_block, deploy_tx, deployed_by_us, created_at) VALUES (1, ?, ?, ?, ?, ?, ?)", [
        d.chainId,
        d.address,
        d.deployBlock,
        d.deployTx,
        d.deployedByUs ? 1 : 0,
        d.createdAt,
      ]);
    },
  };
}

export type DeploymentStore = ReturnType<typeof createDeploymentStore>;
