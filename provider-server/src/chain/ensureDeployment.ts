import { writeFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { localDevParams, publicChainParams } from "@pekanu/protocol";
import type { Logger } from "pino";
import { getAddress, isAddressEqual } from "viem";
import { ConfigError } from "../ConfigError.ts";
import { isLocalChain, type ProviderConfig } from "../config.ts";
import type { Deployment } from "../store/deploymentStore.ts";
import type { Store } from "../store/createStore.ts";
import type { ChainConnection } from "./connectChain.ts";
import { deployServerContract } from "./deployServerContract.ts";
import { findDeployBlock } from "./findDeployBlock.ts";

/**
 * The contract this data dir serves: the recorded one, else the configured address (attach), else
 * a fresh deployment (seed step 1). The record (address, chain, deploy block) is kept in the
 * database and mirrored to `<dataDir>/deployment.json` for other tools; a data dir never switches
 * chains or contracts silently.
 */
export async function ensureDeployment({
  config,
  store,
  chain,
  log,
}: {
  config: ProviderConfig;
  store: Store;
  chain: ChainConnection;
  log: Logger;
}): Promise<Deployment> {
  const recorded = await store.deployment.get();
  if (recorded) {
    if (recorded.chainId !== chain.chainId) {
      throw new ConfigError(`data dir ${config.dataDir} belongs to chain ${recorded.chainId}, but the RPC serves chain ${chain.chainId}`);
    }
    if (config.contractAddress && !isAddressEqual(config.contractAddress, recorded.address)) {
      throw new ConfigError(`data dir ${config.dataDir} belongs to contract ${recorded.address}, not ${config.contractAddress}`);
    }
    const code = await chain.publicClient.getCode({ address: recorded.address });
    if (!code || code === "0x") {
      throw new ConfigError(
        `no contract at ${recorded.address} on chain ${chain.chainId} (was the chain reset?); use a fresh data dir`,
      );
    }
    return recorded;
  }

  let deployment: Deployment;
  if (config.contractAddress) {
    const address = getAddress(config.contractAddress);
    const code = await chain.publicClient.getCode({ address });
    if (!code || code === "0x") throw new ConfigError(`no contract at ${address} on chain ${chain.chainId}`);
    const deployBlock = config.deployBlock ?? (await findDeployBlock({ chain, address }));
    deployment = { chainId: chain.chainId, address, deployBlock, deployTx: null, deployedByUs: false, createdAt: Math.floor(Date.now() / 1000) };
    log.info({ address, deployBlock }, "attached to ServerContract");
  } else {
    const profile = config.paramsProfile === "auto" ? (isLocalChain(chain.chainId) ? "local" : "public") : config.paramsProfile;
    const params = profile === "local" ? localDevParams : publicChainParams;
    log.info({ profile, stakeWei: config.stakeWei.toString() }, "deploying ServerContract");
    const { address, blockNumber, txHash } = await deployServerContract({
      chain,
      signer: chain.signer.address,
      params,
      stakeWei: config.stakeWei,
    });
    deployment = { chainId: chain.chainId, address, deployBlock: blockNumber, deployTx: txHash, deployedByUs: true, createdAt: Math.floor(Date.now() / 1000) };
    log.info({ address, blockNumber, txHash }, "deployed ServerContract");
  }
  await store.deployment.save(deployment);
  await writeDeploymentRecord({ dataDir: config.dataDir, deployment });
  return deployment;
}

async function writeDeploymentRecord({ dataDir, deployment }: { dataDir: string; deployment: Deployment }) {
  const path = join(dataDir, "deployment.json");
  await writeFile(`${path}.tmp`, `${JSON.stringify(deployment, null, 2)}\n`);
  await rename(`${path}.tmp`, path);
}
