import { computeLocalDevParams, computePublicChainParams } from "@pekanu/protocol/compute";
import { computeContractAbi, computeContractBytecode } from "@pekanu/protocol/contract";
import type { Logger } from "pino";
import { type Address, getAddress, type Hex } from "viem";
import type { ChainConnection } from "../chain/connectChain.ts";
import { findDeployBlock } from "../chain/findDeployBlock.ts";
import { isLocalChain, type ProviderConfig } from "../config.ts";
import type { Store } from "../store/createStore.ts";

const ADDRESS_KEY = "compute_contract";
const BLOCK_KEY = "compute_deploy_block";

/**
 * The ComputeContract this server serves: `--compute-contract <address>` attaches to one (its deploy
 * block found on chain once and kept), `deploy` deploys one from the owner key on first start
 * (signer = the signer key, stake = --compute-stake, local or public windows as for storage) and
 * keeps it in the meta table, so every later start serves the same contract.
 */
export async function ensureComputeDeployment({ config, store, chain, log }: { config: ProviderConfig; store: Store; chain: ChainConnection; log: Logger }): Promise<{ address: Address; deployBlock: number } | null> {
  const wanted = config.compute.contract;
  if (wanted === undefined) return null;
  const recorded = (await store.meta.get(ADDRESS_KEY)) as Address | undefined;
  const recordedBlock = await store.meta.get(BLOCK_KEY);
  const hasCode = async (address: Address) => {
    const code = await chain.publicClient.getCode({ address });
    return code !== undefined && code !== "0x";
  };
  if (wanted !== "deploy") {
    if (!(await hasCode(wanted))) throw new Error(`no ComputeContract at ${wanted}`);
    if (recorded && recorded.toLowerCase() === wanted.toLowerCase() && recordedBlock !== undefined) return { address: wanted, deployBlock: Number(recordedBlock) };
    const deployBlock = await findDeployBlock({ chain, address: wanted });
    await store.meta.set(ADDRESS_KEY, wanted);
    await store.meta.set(BLOCK_KEY, String(deployBlock));
    return { address: wanted, deployBlock };
  }
  if (recorded && recordedBlock !== undefined && (await hasCode(recorded))) return { address: recorded, deployBlock: Number(recordedBlock) };
  const profile = config.paramsProfile === "auto" ? (isLocalChain(chain.chainId) ? "local" : "public") : config.paramsProfile;
  const params = profile === "local" ? computeLocalDevParams : computePublicChainParams;
  const txHash: Hex = await chain.ownerWallet.deployContract({
    abi: computeContractAbi,
    bytecode: computeContractBytecode as Hex,
    args: [chain.signer.address, params],
    value: config.compute.stakeWei,
  });
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash: txHash, timeout: 300_000 });
  if (receipt.status !== "success" || !receipt.contractAddress) throw new Error(`ComputeContract deployment ${txHash} failed`);
  const address = getAddress(receipt.contractAddress);
  await store.meta.set(ADDRESS_KEY, address);
  await store.meta.set(BLOCK_KEY, String(receipt.blockNumber));
  log.info({ address, txHash, stakeWei: config.compute.stakeWei.toString(), profile }, "ComputeContract deployed");
  return { address, deployBlock: Number(receipt.blockNumber) };
}
