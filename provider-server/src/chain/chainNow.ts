import type { ChainConnection } from "./connectChain.ts";

/**
 * "Now" as the contract will see it: the later of the wall clock and the latest block's
 * timestamp. A dev chain whose time was pushed forward (evm_increaseTime) would otherwise reject
 * quotes as expired the moment they are issued.
 */
export async function chainNow({ chain }: { chain: ChainConnection }): Promise<number> {
  const block = await chain.publicClient.getBlock({ blockTag: "latest" });
  return Math.max(Math.floor(Date.now() / 1000), Number(block.timestamp));
}
