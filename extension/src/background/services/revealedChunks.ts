// The chunks of a file already made public on chain: every StorageProven event for its fileRoot
// (indexed) names the chunks its answer carried in calldata.
import { serverContractAbi } from "@pekanu/protocol";
import type { Address, Hex, PublicClient } from "viem";

export async function revealedChunks({ client, contract, fileRoot, fromBlock = 0n }: { client: PublicClient; contract: Address; fileRoot: Hex; fromBlock?: bigint }): Promise<Set<number>> {
  const logs = await client.getContractEvents({ address: contract, abi: serverContractAbi, eventName: "StorageProven", args: { fileRoot } as never, fromBlock, toBlock: "latest" });
  const out = new Set<number>();
  for (const log of logs) for (const i of (log.args as { chunkIndices?: readonly bigint[] }).chunkIndices ?? []) out.add(Number(i));
  return out;
}
