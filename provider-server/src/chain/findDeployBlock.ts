import type { Address } from "viem";
import type { ChainConnection } from "./connectChain.ts";

/**
 * The first block in which `address` has code, by binary search over eth_getCode (needs a node
 * that serves historical state; throws otherwise). Used when attaching to a contract whose deploy
 * block was not configured, so the event follower starts where the contract's history starts.
 */
export async function findDeployBlock({ chain, address }: { chain: ChainConnection; address: Address }): Promise<number> {
  const hasCode = async (blockNumber: bigint) => {
    const code = await chain.publicClient.getCode({ address, blockNumber });
    return code !== undefined && code !== "0x";
  };
  let high = await chain.publicClient.getBlockNumber();
  if (!(await hasCode(high))) throw new Error(`no contract at ${address}`);
  let low = 0n;
  while (low < high) {
    const mid = (low + high) / 2n;
    if (await hasCode(mid)) high = mid;
    else low = mid + 1n;
  }
  return Number(low);
}
