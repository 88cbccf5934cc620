import { type ContractParams, serverContractAbi } from "@pekanu/protocol";
import { serverContractBytecode } from "@pekanu/protocol/contract";
import { type Address, getAddress, type Hex } from "viem";
import type { ChainConnection } from "./connectChain.ts";

/**
 * Seed step 1: deploys ServerContract from the owner key with the bytecode shipped in
 * @pekanu/protocol (no compiler needed), `signer` as quote/receipt signer and `stakeWei` as the
 * initial stake.
 */
export async function deployServerContract({
  chain,
  signer,
  params,
  stakeWei,
}: {
  chain: ChainConnection;
  signer: Address;
  params: ContractParams;
  stakeWei: bigint;
}): Promise<{ address: Address; blockNumber: number; txHash: Hex }> {
  const txHash = await chain.ownerWallet.deployContract({
    abi: serverContractAbi,
    bytecode: serverContractBytecode as Hex,
    args: [signer, params],
    value: stakeWei,
  });
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash: txHash, timeout: 300_000 });
  if (receipt.status !== "success" || !receipt.contractAddress) throw new Error(`deployment ${txHash} failed`);
  return { address: getAddress(receipt.contractAddress), blockNumber: Number(receipt.blockNumber), txHash };
}
