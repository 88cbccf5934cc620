import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ChainConnection } from "../../src/chain/connectChain.ts";
import { createEventFollower } from "../../src/chain/createEventFollower.ts";
import { createLogger } from "../../src/createLogger.ts";
import { openDatabase } from "../../src/db/openDatabase.ts";
import { createStore } from "../../src/store/createStore.ts";
import { waitFor } from "../support/waitFor.ts";

/** A chain whose RPC fails the first `failures` calls, then serves `head` and empty logs. */
function fakeChain({ head, failures }: { head: number; failures: number }) {
  const ranges: [number, number][] = [];
  let calls = 0;
  const chain = {
    publicClient: {
      async getBlockNumber() {
        if (calls++ < failures) throw new Error("ECONNREFUSED");
        return BigInt(head);
      },
      async getLogs({ fromBlock, toBlock }: { fromBlock: bigint; toBlock: bigint }) {
        ranges.push([Number(fromBlock), Number(toBlock)]);
        return [];
      },
    },
  } as unknown as ChainConnection;
  return { chain, ranges, setHead: (n: number) => (head = n) };
}

async function follower(options: { head: number; failures: number; confirmations: number; maxBlockRange: number }) {
  const store = createStore(await openDatabase({ path: join(await mkdtemp(join(tmpdir(), "pekanu-follow-")), "db.sqlite") }));
  const fake = fakeChain(options);
  const instance = createEventFollower({
    store,
    chain: fake.chain,
    address: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    deployBlock: 1,
    confirmations: options.confirmations,
    pollIntervalMs: 20,
    maxBlockRange: options.maxBlockRange,
    log: createLogger({ level: "silent" }),
  });
  return { store, instance, ...fake };
}

describe("event follower", () => {
  it("polls confirmed blocks only, in ranges of at most maxBlockRange, and resumes where it stopped", async () => {
    const { instance, ranges, store, setHead } = await follower({ head: 10, failures: 0, confirmations: 3, maxBlockRange: 3 });
    await instance.syncNow();
    expect(ranges).toEqual([[1, 3], [4, 6], [7, 8]]); // 10 - (3 - 1) = 8 is the last confirmed block
    expect(await store.meta.get("lastProcessedBlock")).toBe("8");
    setHead(12);
    await instance.syncNow();
    expect(ranges.slice(3)).toEqual([[9, 10]]);
    await instance.syncNow();
    expect(ranges).toHaveLength(4); // nothing new, nothing repeated
  });

  it("backs off while the RPC is down and catches up when it returns", async () => {
    const { instance, ranges } = await follower({ head: 5, failures: 3, confirmations: 1, maxBlockRange: 100 });
    instance.start();
    try {
      await waitFor(() => instance.status().lastProcessedBlock === 5, { timeoutMs: 5000, what: "catch up" });
      expect(ranges).toEqual([[1, 5]]);
      expect(instance.status()).toMatchObject({ healthy: true, lastError: null });
    } finally {
      await instance.stop();
    }
  });
});
