import type { ChainConnection } from "./connectChain.ts";

export type ChainClock = ReturnType<typeof createChainClock>;

/**
 * The chain's time and base fee, from the latest block, refreshed at most every `maxAgeMs`.
 * `now()` is the latest block's timestamp plus the wall-clock time since that block was seen (the
 * next block's time, also while no blocks are mined), and never behind the wall clock.
 */
export function createChainClock({ chain, maxAgeMs = 500 }: { chain: ChainConnection; maxAgeMs?: number }) {
  let blockTime = 0;
  let seenAt = 0;
  let fetchedAt = 0;
  let baseFee = 0n;
  let blockNumber = -1n;
  let spareGas = 0n;
  let fetching: Promise<void> | undefined;

  const refresh = (): Promise<void> => {
    fetching ??= chain.publicClient
      .getBlock({ blockTag: "latest" })
      .then((block) => {
        if (block.number !== blockNumber || seenAt === 0) {
          blockNumber = block.number;
          blockTime = Number(block.timestamp);
          seenAt = Date.now();
        }
        baseFee = block.baseFeePerGas ?? 0n;
        spareGas = block.gasLimit - block.gasUsed;
        fetchedAt = Date.now();
      })
      .finally(() => {
        fetching = undefined;
      });
    return fetching;
  };

  return {
    /** Reads the latest block if the last read is older than `maxAgeMs`. */
    async fresh(): Promise<void> {
      if (fetchedAt === 0 || Date.now() - fetchedAt > maxAgeMs) await refresh();
    },
    refresh,
    now(): number {
      const wall = Math.floor(Date.now() / 1000);
      if (seenAt === 0) return wall;
      return Math.max(wall, blockTime + Math.floor((Date.now() - seenAt) / 1000));
    },
    baseFee: (): bigint => baseFee,
    blockNumber: (): bigint => blockNumber,
    /** Wall-clock ms when the latest block was first seen. */
    blockSeenAt: (): number => seenAt,
    /** Gas the latest block left unused. */
    spareGas: (): bigint => spareGas,
  };
}
